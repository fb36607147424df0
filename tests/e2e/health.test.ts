import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createDatabase } from "../../src/db/create-database.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { createTestApp, fixture } from "../helpers/test-app.ts";

describe("GET /healthz", () => {
  it("is 200 while the database answers and 503 once it is gone (PGlite)", async () => {
    const [pglite] = databaseTargets();
    const database = await (pglite ?? assert.fail("no database")).open();
    const app = await createTestApp({ appDir: fixture("engine"), database });
    const up = await app.request("/healthz");
    assert.equal(up.status, 200);
    assert.deepEqual(await up.json(), { status: "ok" });

    await database.close();
    const down = await app.request("/healthz");
    assert.equal(down.status, 503);
    const body = await down.json();
    assert.equal(body.error.code, "database_unavailable");
  });

  it("answers while a request holds the embedded database's one connection in a transaction", async () => {
    const [pglite] = databaseTargets();
    const database = await (pglite ?? assert.fail("no database")).open();
    const app = await createTestApp({ appDir: fixture("engine"), database });
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let began = () => {};
    const begun = new Promise<void>((resolve) => {
      began = resolve;
    });
    const transaction = database.db.transaction().execute(async (trx) => {
      await trx.selectFrom("users").selectAll().execute();
      began();
      await held;
    });
    await begun;
    const res = await app.request("/healthz");
    assert.equal(res.status, 200);
    release();
    await transaction;
    await database.close();
  });

  it("is 503 when PostgreSQL cannot be reached", async () => {
    const [pglite] = databaseTargets();
    const migrated = await (pglite ?? assert.fail("no database")).open();
    const app = await createTestApp({ appDir: fixture("engine"), database: migrated });
    // Swap in a pool pointed at a closed port: what a PostgreSQL outage looks like to the app.
    const unreachable = createDatabase({ url: "postgres://postgres@127.0.0.1:1/none" });
    Object.assign(app.services, { ping: () => unreachable.ping() });
    const res = await app.request("/healthz");
    assert.equal(res.status, 503);
    await unreachable.close();
    await migrated.close();
  });
});
