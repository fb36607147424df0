import fs from "node:fs";
import path from "node:path";
import type { DatabaseHandle, ScriptRunner } from "./create-database.ts";

/** A migration of the app that the database refused: `file:line:col message`, like a load error. */
export class AppMigrationError extends Error {
  override name = "AppMigrationError";
}

/**
 * Applies the app's `migrations/*.sql` in name order, each once and in its
 * own transaction, recorded in `trellis_app_migrations` beside trellis's own
 * migrations. Several instances starting at once wait for each other.
 */
export async function migrateApp(handle: DatabaseHandle, appDir: string): Promise<string[]> {
  const dir = path.join(appDir, "migrations");
  if (!fs.existsSync(dir)) return [];
  const files = fs
    .readdirSync(dir)
    .filter((name) => name.endsWith(".sql"))
    .sort();
  if (files.length === 0) return [];

  return handle.exclusive(async (run) => {
    await run(`create table if not exists trellis_app_migrations (
      name text primary key,
      applied_at timestamptz not null default now()
    )`);
    const applied = new Set((await run("select name from trellis_app_migrations", [])).map((row) => String(row.name)));
    const done: string[] = [];
    for (const name of files.filter((file) => !applied.has(file))) {
      const file = path.join(dir, name);
      await applyOne(run, name, file, fs.readFileSync(file, "utf8"));
      done.push(name);
    }
    return done;
  });
}

async function applyOne(run: ScriptRunner, name: string, file: string, text: string): Promise<void> {
  await run("begin");
  try {
    await run(text);
    await run("insert into trellis_app_migrations (name) values ($1)", [name]);
    await run("commit");
  } catch (error) {
    await run("rollback").catch(() => {});
    const { line, col } = positionIn(text, (error as { position?: unknown }).position);
    const message = error instanceof Error ? error.message : String(error);
    throw new AppMigrationError(`${file}:${line}:${col} migration failed: ${message}`, { cause: error });
  }
}

/** PostgreSQL reports a 1-based character offset into the script; turn it into line and column. */
function positionIn(text: string, position: unknown): { line: number; col: number } {
  const offset = Number(position) - 1;
  if (!Number.isInteger(offset) || offset < 0) return { line: 1, col: 1 };
  const before = text.slice(0, offset).split("\n");
  return { line: before.length, col: (before.at(-1)?.length ?? 0) + 1 };
}
