import { loadConfig } from "../config.ts";
import { createDatabase } from "../db/create-database.ts";
import { migrate } from "../db/migrate.ts";

/** `trellis migrate`: applies pending migrations to DATABASE_URL or the embedded database. */
export async function runMigrate(): Promise<number> {
  const config = loadConfig();
  const database = createDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    const applied = await migrate(database.db);
    process.stdout.write(applied.length > 0 ? `applied: ${applied.join(", ")}\n` : "the database is up to date\n");
    return 0;
  } finally {
    await database.close();
  }
}
