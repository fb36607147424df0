import assert from "node:assert/strict";
import { afterEach, describe, it } from "node:test";
import type { TrellisApp } from "../../src/create-app.ts";
import { login, registerConfirmed } from "../helpers/accounts.ts";
import { REPO_ROOT } from "../helpers/cli.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { PUBLIC_URL, useShippedApp } from "../helpers/shipped-app.ts";
import { createTestApp, json } from "../helpers/test-app.ts";

const LOCKOUT_AFTER = 5;

const sortedStatuses = (answers: readonly Response[]) => answers.map((res) => res.status).sort();

for (const target of databaseTargets()) {
  describe(`flooding: bursts past the lockout or the bcrypt queue are refused at once and store nothing (${target.name})`, () => {
    const t = useShippedApp(target);
    const opened: TrellisApp[] = [];
    afterEach(async () => {
      for (const app of opened.splice(0)) await app.close();
    });
    /**
     * The shipped app with its own bcrypt settings. The bcrypt pool is the process's, sized by the app made last,
     * so each test makes the app it floods.
     */
    async function appWith(env: Record<string, string>): Promise<TrellisApp> {
      const app = await createTestApp({
        appDir: REPO_ROOT,
        database: t.database,
        env: { SMTP_URL: t.smtp.url, PUBLIC_URL, ...env },
        now: () => new Date(t.clock.now),
      });
      opened.push(app);
      return app;
    }
    /** One bcrypt thread, a queue of one, and a cost high enough that a burst finds it busy. */
    const narrowApp = () => appWith({ BCRYPT_COST: "9", BCRYPT_WORKERS: "1", BCRYPT_QUEUE: "1" });
    /** Enough bcrypt threads and queue that a burst of 20 never finds it full. */
    const wideApp = () => appWith({ BCRYPT_WORKERS: "2", BCRYPT_QUEUE: "64" });

    const count = async (table: "users" | "refresh_tokens" | "rate_limit_hits" | "outbox") =>
      Number(
        (
          await t.database.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const failedLogins = async () =>
      (await t.database.db.selectFrom("log").select("id").where("event", "=", "login.failed").execute()).length;

    it(`a parallel burst of 20 wrong passwords gets exactly ${LOCKOUT_AFTER} 401s and 429s for the rest; ${LOCKOUT_AFTER} failures stored`, async () => {
      const app = await wideApp();
      await registerConfirmed(app, t.smtp, "ann@example.com", "correct horse");
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => login(app, "ann@example.com", `guess ${i}`)));
      assert.deepEqual(sortedStatuses(answers), [...Array(LOCKOUT_AFTER).fill(401), ...Array(20 - LOCKOUT_AFTER).fill(429)]);
      for (const res of answers.filter((res) => res.status === 429)) {
        assert.ok(Number(res.headers.get("retry-after")) > 0);
        assert.equal((await res.json()).error.code, "too_many_requests");
      }
      assert.equal(await failedLogins(), LOCKOUT_AFTER);
    });

    it("the right password inside the burst, once locked, is 429 too and issues no token", async () => {
      const app = await wideApp();
      await registerConfirmed(app, t.smtp, "ann@example.com", "correct horse");
      for (let i = 0; i < LOCKOUT_AFTER; i++) await login(app, "ann@example.com", `guess ${i}`);
      const answers = await Promise.all([
        ...Array.from({ length: 5 }, (_, i) => login(app, "ann@example.com", `more ${i}`)),
        login(app, "ann@example.com", "correct horse"),
      ]);
      assert.deepEqual(sortedStatuses(answers), Array(6).fill(429));
      assert.equal(await count("refresh_tokens"), 0);
    });

    it("a burst past the lockout runs no bcrypt: 20 at once on a one-thread, queue-of-one pool are all 429, none 503", async () => {
      const narrow = await narrowApp();
      await registerConfirmed(narrow, t.smtp, "ann@example.com", "correct horse");
      for (let i = 0; i < LOCKOUT_AFTER; i++) assert.equal((await login(narrow, "ann@example.com", `guess ${i}`)).status, 401);
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => login(narrow, "ann@example.com", `more ${i}`)));
      assert.deepEqual(sortedStatuses(answers), Array(20).fill(429));
      assert.equal(await failedLogins(), LOCKOUT_AFTER, "no further failure counted or logged");
    });

    it("registrations past a full bcrypt queue are 503 busy with Retry-After at once, and leave no user or mail behind", async () => {
      const narrow = await narrowApp();
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          narrow.request("/auth/register", json({ email: `flood${i}@example.com`, password: "correct horse" })),
        ),
      );
      const statuses = sortedStatuses(answers);
      // One hash runs and one waits; how many more arrive before the first is done depends on the database's speed.
      assert.ok(
        statuses.every((status) => status === 202 || status === 503),
        statuses.join(),
      );
      const accepted = statuses.filter((status) => status === 202).length;
      assert.ok(accepted >= 2 && accepted <= 6, statuses.join());
      for (const res of answers.filter((res) => res.status === 503)) {
        assert.equal(res.headers.get("retry-after"), "1");
        assert.equal((await res.json()).error.code, "busy");
      }
      assert.equal(await count("users"), accepted, "only the accepted registrations made a user");
      assert.equal(await count("outbox"), accepted, "and only they queued a mail");
    });

    it("while bcrypt is swamped, endpoints that need none (healthz, a token check) still answer within 5 s", async () => {
      const narrow = await narrowApp();
      await registerConfirmed(narrow, t.smtp, "ann@example.com", "correct horse");
      const flood = Promise.all(Array.from({ length: 30 }, (_, i) => login(narrow, `someone${i}@example.com`, "guess")));
      const started = performance.now();
      const health = await narrow.request("/healthz");
      const me = await narrow.request("/auth/me");
      assert.equal(health.status, 200);
      assert.equal(me.status, 401);
      assert.ok(performance.now() - started < 5000, `${Math.round(performance.now() - started)} ms`);
      const statuses = new Set(sortedStatuses(await flood));
      assert.ok(
        [...statuses].every((status) => status === 401 || status === 503),
        [...statuses].join(),
      );
    });
  });
}
