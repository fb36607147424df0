import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { AppMigrationError, migrateApp } from "../../src/db/app-migrations.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { createTestApp, fixture, tempDir } from "../helpers/test-app.ts";

for (const target of databaseTargets()) {
  describe(`app migrations (${target.name})`, () => {
    let database: DatabaseHandle;
    before(async () => {
      database = await target.open();
      await sql`drop table if exists books, trellis_app_migrations`.execute(database.db);
    });
    after(async () => {
      await sql`drop table if exists books, trellis_app_migrations`.execute(database.db);
      await database.close();
    });

    it("applies migrations/*.sql in name order on start, each once, and records them", async () => {
      const app = await createTestApp({ appDir: fixture("migrations-app"), database });
      const res = await app.request("/books");
      assert.deepEqual(await res.json(), { books: [{ title: "The first book", author: "Anon" }] });
      await app.close();

      assert.deepEqual(await migrateApp(database, fixture("migrations-app")), [], "nothing is applied twice");
      const recorded = await sql<{ name: string }>`select name from trellis_app_migrations order by name`.execute(database.db);
      assert.deepEqual(
        recorded.rows.map((row) => row.name),
        ["001_books.sql", "002_authors.sql"],
      );
    });

    it("stops at a failing migration with its file, position and the database's message, applying none of it", async () => {
      const appDir = tempDir();
      fs.cpSync(fixture("migrations-app"), appDir, { recursive: true });
      const bad = path.join(appDir, "migrations", "003_bad.sql");
      fs.writeFileSync(bad, "create table shelves (id serial primary key);\nalter table books add colum shelf int;\n");
      await assert.rejects(createTestApp({ appDir, database }), (error: unknown) => {
        assert.ok(error instanceof AppMigrationError);
        assert.match(error.message, new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:2:\\d+ migration failed: syntax error`));
        return true;
      });
      const shelves = await sql<{ exists: boolean }>`select to_regclass('shelves') is not null as exists`.execute(database.db);
      assert.equal(shelves.rows[0]?.exists, false, "the failed migration's transaction is rolled back");
    });
  });
}
