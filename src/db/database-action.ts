import { mapDatabaseErrors } from "./map-database-errors.ts";

/** Columns trellis keeps secrets in: never handed to a step, whatever the query selected. */
const SECRET_COLUMNS = ["password_hash", "token_hash"];

/**
 * How every db.* action runs its query: the database's answers to bad data
 * become client errors, and a `select *` on users cannot leak a password hash
 * into a response or a log.
 */
export async function databaseAction<T>(work: () => Promise<T>): Promise<T> {
  return withoutSecrets(await mapDatabaseErrors(work));
}

function withoutSecrets<T>(result: T): T {
  if (Array.isArray(result)) return result.map((row) => withoutSecrets(row)) as T;
  if (result === null || typeof result !== "object" || result instanceof Date) return result;
  if (!SECRET_COLUMNS.some((column) => column in result)) return result;
  const copy = { ...(result as Record<string, unknown>) };
  for (const column of SECRET_COLUMNS) delete copy[column];
  return copy as T;
}
