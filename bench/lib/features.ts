/**
 * Features other engineers are building. Until one is in src/, the numbers
 * that need it stay null in results.json; once it lands, the bench measures
 * them by itself. The checks read the source, so that a half-built feature
 * (mentioned in docs only) does not count.
 */
import fs from "node:fs";
import path from "node:path";
import { REPO } from "../config.ts";

const source = (...files: string[]) =>
  files
    .map((file) => {
      try {
        return fs.readFileSync(path.join(REPO, file), "utf8");
      } catch {
        return "";
      }
    })
    .join("\n");

/** `trellis start --workers N`. */
export const hasStartWorkers = (): boolean => /["'`-]workers["'`]?/.test(source("src/cli/start.ts", "src/cli/main.ts"));

/** BCRYPT_WORKERS: the size of the bcrypt thread pool. */
export const hasBcryptWorkers = (): boolean => source("src/config.ts", "src/auth/bcrypt-pool.ts").includes("BCRYPT_WORKERS");
