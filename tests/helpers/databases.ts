import { sql } from "kysely";
import { createDatabase, type DatabaseHandle } from "../../src/db/create-database.ts";
import { migrate } from "../../src/db/migrate.ts";

export interface DatabaseTarget {
  readonly name: "pglite" | "postgres";
  open(): Promise<DatabaseHandle>;
}

/**
 * PGlite always; the PostgreSQL at TEST_DATABASE_URL too when it is set.
 * A test file opens each target once (PGlite takes seconds) and cleans the
 * tables between tests with resetDatabase.
 */
export function databaseTargets(): DatabaseTarget[] {
  const targets: DatabaseTarget[] = [{ name: "pglite", open: async () => migrated(createDatabase({})) }];
  const url = process.env.TEST_DATABASE_URL;
  if (url) targets.push({ name: "postgres", open: async () => migrated(createDatabase({ url })) });
  return targets;
}

async function migrated(handle: DatabaseHandle): Promise<DatabaseHandle> {
  await migrate(handle.db);
  return handle;
}

/** Empties trellis's tables (and the given app tables) so each test starts clean. */
export async function resetDatabase(handle: DatabaseHandle, appTables: readonly string[] = []): Promise<void> {
  const tables = [
    "log",
    "outbox",
    "rate_limit_hits",
    "oidc_flows",
    "refresh_tokens",
    "one_time_tokens",
    "user_roles",
    "users",
    ...appTables,
  ];
  await sql`truncate ${sql.join(tables.map((table) => sql.table(table)))} cascade`.execute(handle.db);
}
