import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { sql } from "kysely";
import type { TrellisApp } from "../../src/create-app.ts";
import { createDatabase, type DatabaseHandle } from "../../src/db/create-database.ts";
import { migrate } from "../../src/db/migrate.ts";
import { REPO_ROOT } from "../helpers/cli.ts";
import { resetDatabase } from "../helpers/databases.ts";
import { FAULTS_APP, FAULTS_TABLES, hangProbe, labels } from "../helpers/faults-app.ts";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.ts";
import { createTestApp, json } from "../helpers/test-app.ts";

const DATABASE_URL = process.env.TEST_DATABASE_URL;
/** "Does not hang": generous beside the 1 s database timeout, so a busy machine does not fail it. */
const ANSWERS_WITHIN_MS = 5000;

/** The URL with an application_name, so the test can find (and end) the app's own sessions. */
function named(url: string, name: string): string {
  const named = new URL(url);
  named.searchParams.set("application_name", name);
  return named.href;
}

async function timed(request: Promise<Response>): Promise<{ res: Response; ms: number }> {
  const start = performance.now();
  const res = await request;
  return { res, ms: performance.now() - start };
}

async function waitFor(what: string, check: () => Promise<boolean>, ms = ANSWERS_WITHIN_MS): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const register = (app: TrellisApp, email: string) => app.request("/auth/register", json({ email, password: "correct horse battery" }));

/**
 * PostgreSQL going away under a running app: a proxy in this process stands
 * between the app and the CI server, so the test cuts and restores the
 * network; pg_terminate_backend ends the app's sessions. (The embedded
 * database runs in the process: it cannot go away without the app.)
 */
describe("the database goes away (PostgreSQL)", { skip: DATABASE_URL ? false : "needs TEST_DATABASE_URL (PostgreSQL)" }, () => {
  const url = DATABASE_URL ?? "";
  let proxy: TcpProxy;
  let database: DatabaseHandle;
  let admin: DatabaseHandle;
  let shipped: TrellisApp;
  let faults: TrellisApp;
  const env = { DATABASE_TIMEOUT: "1s", STEP_TIMEOUT: "3s" };

  const sessions = async (name: string, query?: string) => {
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from pg_stat_activity
      where application_name = ${name} and (${query ?? null}::text is null or (state = 'active' and query like ${`%${query}%`}))`.execute(
      admin.db,
    );
    return rows[0]?.n ?? 0;
  };
  const terminate = (name: string) =>
    sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = ${name}`.execute(admin.db);
  const users = async () => (await admin.db.selectFrom("users").select("email").orderBy("email").execute()).map((row) => row.email);

  before(async () => {
    admin = createDatabase({ url });
    await migrate(admin.db);
    proxy = await startTcpProxy(named(url, "trellis-faults"));
    database = createDatabase({ url: proxy.url, timeoutMs: 1000 });
    shipped = await createTestApp({ appDir: REPO_ROOT, database, env });
    faults = await createTestApp({ appDir: FAULTS_APP, database, env });
  });
  after(async () => {
    await faults.close();
    await shipped.close();
    await database.close();
    await proxy.close();
    await admin.close();
  });
  beforeEach(async () => {
    await proxy.restore();
    await resetDatabase(admin, FAULTS_TABLES);
  });

  it("the server is gone (connections cut, port closed): a registration is 503 database_unavailable within 5 s and stores nothing", async () => {
    assert.equal((await register(shipped, "before@example.com")).status, 202, "the pool holds live connections");
    await proxy.cut();
    const { res, ms } = await timed(register(shipped, "during@example.com"));
    assert.equal(res.status, 503);
    const body = await res.json();
    assert.equal(body.error.code, "database_unavailable");
    assert.match(body.error.details.error_id, /^[0-9a-f-]{36}$/);
    assert.equal(res.headers.get("retry-after"), "5");
    assert.ok(ms < ANSWERS_WITHIN_MS, `answered after ${Math.round(ms)} ms`);
    assert.deepEqual(await users(), ["before@example.com"], "no user, not half of one, from the outage");
  });

  it("the server is gone: /healthz is 503 within 5 s, and 200 again once it is back, with no restart", async () => {
    await proxy.cut();
    const { res, ms } = await timed(shipped.request("/healthz"));
    assert.equal(res.status, 503);
    assert.equal((await res.json()).error.code, "database_unavailable");
    assert.ok(ms < ANSWERS_WITHIN_MS, `answered after ${Math.round(ms)} ms`);
    await proxy.restore();
    assert.equal((await shipped.request("/healthz")).status, 200);
  });

  it("once the server is back, registration works by itself and only that user exists", async () => {
    await proxy.cut();
    assert.equal((await register(shipped, "lost@example.com")).status, 503);
    await proxy.restore();
    const res = await register(shipped, "after@example.com");
    assert.equal(res.status, 202);
    assert.deepEqual(await users(), ["after@example.com"]);
    assert.equal(
      (await admin.db.selectFrom("outbox").select("to").execute()).map((row) => row.to).join(),
      "after@example.com",
      "the user has its confirmation mail, and the lost registration none",
    );
  });

  it("a silent network (connections accepted, nothing answered): 503 within 5 s on pooled and new connections alike", async () => {
    assert.equal((await faults.request("/items")).status, 200, "the pool holds live connections");
    proxy.hang();
    for (const email of ["silent-1@example.com", "silent-2@example.com"]) {
      const { res, ms } = await timed(register(shipped, email));
      assert.equal(res.status, 503);
      assert.equal((await res.json()).error.code, "database_unavailable");
      assert.ok(ms < ANSWERS_WITHIN_MS, `answered after ${Math.round(ms)} ms`);
    }
    const health = await timed(shipped.request("/healthz"));
    assert.equal(health.res.status, 503);
    assert.ok(health.ms < ANSWERS_WITHIN_MS, `healthz answered after ${Math.round(health.ms)} ms`);
    await proxy.restore();
    await waitFor("healthz 200 after the network is back", async () => (await shipped.request("/healthz")).status === 200);
    assert.equal((await register(shipped, "back@example.com")).status, 202);
    assert.deepEqual(await users(), ["back@example.com"], "the silent registrations stored nothing");
  });

  it("pg_terminate_backend on the app's idle sessions: the app reconnects and serves, answering 503 at worst, never 500", async () => {
    assert.equal((await faults.request("/items")).status, 200);
    assert.ok((await sessions("trellis-faults")) > 0, "the app holds sessions to end");
    await terminate("trellis-faults");
    await waitFor("the sessions to end", async () => (await sessions("trellis-faults")) === 0);
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await faults.request("/items")).status);
    assert.ok(
      statuses.every((status) => status === 200 || status === 503),
      `statuses ${statuses}`,
    );
    assert.equal(statuses.at(-1), 200, `statuses ${statuses}`);
  });

  it("the app's session is killed mid-request (pg_terminate_backend while a step waits): 503, and the earlier row is not kept", async () => {
    const probe = hangProbe();
    const pending = faults.request("/hang", json({ label: "half" }));
    await probe.reachedStep;
    await terminate("trellis-faults");
    probe.release();
    const res = await pending;
    assert.equal(res.status, 503);
    assert.equal((await res.json()).error.code, "database_unavailable");
    assert.match(String(probe.wrote), /^refused/);
    assert.deepEqual(await labels(admin, "items"), [], "the transaction died with its session");
    assert.equal((await faults.request("/items")).status, 200, "and the next request is served");
  });

  it("a statement past DATABASE_TIMEOUT is cancelled by PostgreSQL: 503 within 5 s, the row rolled back, no statement left running", async () => {
    const { res, ms } = await timed(faults.request("/sql-sleep", json({ label: "before the sleep", seconds: 60 })));
    assert.equal(res.status, 503);
    assert.equal((await res.json()).error.code, "database_unavailable");
    assert.ok(ms < ANSWERS_WITHIN_MS, `answered after ${Math.round(ms)} ms`);
    await waitFor("the sleeping statement to end", async () => (await sessions("trellis-faults", "pg_sleep")) === 0);
    assert.deepEqual(await labels(admin, "items"), []);
  });

  describe("a step timeout shorter than the database's", () => {
    let direct: DatabaseHandle;
    let app: TrellisApp;
    before(async () => {
      direct = createDatabase({ url: named(url, "trellis-faults-steps"), timeoutMs: 3000 });
      app = await createTestApp({ appDir: FAULTS_APP, database: direct, env: { DATABASE_TIMEOUT: "3s", STEP_TIMEOUT: "1s" } });
    });
    after(async () => {
      await app.close();
      await direct.close();
    });

    it("a step stuck in a statement: 504 step_timeout at the step's timeout, then the statement is cancelled and the row never lands", async () => {
      const { res, ms } = await timed(app.request("/sql-sleep", json({ label: "before the sleep", seconds: 60 })));
      assert.equal(res.status, 504);
      assert.equal((await res.json()).error.code, "step_timeout");
      assert.ok(ms < 2500, `answered after ${Math.round(ms)} ms, before the 3 s database timeout`);
      await waitFor("the sleeping statement to be cancelled", async () => (await sessions("trellis-faults-steps", "pg_sleep")) === 0);
      assert.deepEqual(await labels(admin, "items"), []);
      assert.equal((await app.request("/items")).status, 200, "its connection is back in service");
    });
  });
});
