import { loadConfig } from "../config.ts";
import { migrateApp } from "../db/app-migrations.ts";
import { createDatabase } from "../db/create-database.ts";
import { migrate } from "../db/migrate.ts";

/** `trellis migrate`: applies trellis's and the app's pending migrations to DATABASE_URL or the embedded database. */
export async function runMigrate(): Promise<number> {
  const config = loadConfig();
  const database = createDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    const applied = [...(await migrate(database.db)), ...(await migrateApp(database, config.appDir))];
    process.stdout.write(applied.length > 0 ? `applied: ${applied.join(", ")}\n` : "the database is up to date\n");
    return 0;
  } finally {
    await database.close();
  }
}
