import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import type { TrellisApp } from "../../src/create-app.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { generateApp, groupOf } from "../helpers/generated-app.ts";
import { bearer, createTestApp, json, tempDir, tokenFor } from "../helpers/test-app.ts";

const ENDPOINTS = 1000;

async function forgetItems(database: DatabaseHandle): Promise<void> {
  await sql`drop table if exists items`.execute(database.db);
  await sql`delete from trellis_app_migrations where name = '001_items.sql'`.execute(database.db).catch(() => {});
}

for (const target of databaseTargets()) {
  describe(`an app of ${ENDPOINTS} endpoint files (${target.name})`, () => {
    let database: DatabaseHandle;
    let app: TrellisApp;
    let files: string[];

    before(async () => {
      database = await target.open();
      const dir = tempDir();
      ({ files } = generateApp(dir, ENDPOINTS));
      // The PostgreSQL database is shared by every test file: forget this app's table and migration from an earlier run.
      await forgetItems(database);
      app = await createTestApp({ appDir: dir, database });
    });
    after(async () => {
      await app?.close();
      await forgetItems(database);
      await database.close();
    });

    it("loads every file as a route", () => {
      assert.equal(files.length, ENDPOINTS);
      assert.equal(app.loaded.endpoints.length, ENDPOINTS);
    });

    it("answers on every route, as each file says", async () => {
      const user = "00000000-0000-4000-8000-00000000000a";
      const guest = bearer(await tokenFor(app, ["guest"], user));
      const admin = bearer(await tokenFor(app, ["admin"], user));
      const answered = new Set<string>();
      for (let n = 0; n < ENDPOINTS; n += 4) {
        const base = `/${groupOf(n)}/items-${n}`;
        const created = await app.request(base, json({ title: ` Item ${n} ` }, guest));
        assert.equal(created.status, 201, base);
        const item = (await created.json()) as { id: number; kind: number; title: string };
        assert.deepEqual([item.kind, item.title, created.headers.get("location")], [n, `Item ${n}`, `${base}/${item.id}`]);

        const one = await app.request(`${base}/${item.id}`, { headers: guest });
        assert.deepEqual([one.status, ((await one.json()) as { id: number }).id], [200, item.id], `GET ${base}/:id`);
        const list = await app.request(`${base}?limit=5`);
        assert.deepEqual([list.status, ((await list.json()) as { kind: number }).kind], [200, n], `GET ${base}`);
        const gone = await app.request(`${base}/${item.id}`, { method: "DELETE", headers: admin });
        assert.equal(gone.status, 204, `DELETE ${base}/:id`);
        assert.equal((await app.request(`${base}/${item.id}`, { headers: guest })).status, 404);
        for (const route of [`POST ${base}`, `GET ${base}/:id`, `GET ${base}`, `DELETE ${base}/:id`]) answered.add(route);
      }
      assert.equal(answered.size, ENDPOINTS);
    });
  });
}
