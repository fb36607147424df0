import fs from "node:fs";
import path from "node:path";

/**
 * The embedded database may be opened by one process at a time: two PGlite
 * instances writing one folder corrupt it. The lock is a file holding the
 * owner's pid; one left behind by a process that died is taken over.
 */
export function lockDataDir(dir: string): () => void {
  const file = path.join(dir, "trellis.lock");
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: "wx" });
      return () => fs.rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number(fs.readFileSync(file, "utf8"));
      if (owner !== process.pid && isAlive(owner)) throw new DataDirInUseError(dir, owner);
      fs.rmSync(file, { force: true });
    }
  }
  throw new Error(`Could not lock the embedded database in ${dir}`);
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

export class DataDirInUseError extends Error {
  override name = "DataDirInUseError";
  constructor(
    readonly dir: string,
    readonly owner: number,
  ) {
    super(
      `The embedded database in ${dir} is in use by process ${owner}. Stop it first, or use DATABASE_URL for a database several processes can share.`,
    );
  }
}
