import { Migrator } from "kysely/migration";
import { trellisMigrations } from "./migrations.ts";
import type { Db } from "./schema.ts";

/** Applies trellis's pending migrations; safe to run from several instances at once (kysely locks). */
export async function migrate(db: Db): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: trellisMigrations,
    migrationTableName: "trellis_migrations",
    migrationLockTableName: "trellis_migrations_lock",
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw new Error(`Migration failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}
