import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { sql } from "kysely";
import { pruneHits } from "../../src/auth/rate-limit-store.ts";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { purgeExpired, startRetention } from "../../src/db/retention.ts";
import { createLogger } from "../../src/logger.ts";
import { refresh, register, registerConfirmed, signIn } from "../helpers/accounts.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { useShippedApp } from "../helpers/shipped-app.ts";
import { tokenIn } from "../helpers/smtp.ts";
import { json } from "../helpers/test-app.ts";

const DAY = 86_400_000;

for (const target of databaseTargets()) {
  describe(`security: retention (${target.name})`, () => {
    const t = useShippedApp(target);
    const db = () => t.database.db;
    const ago = (ms: number) => new Date(t.clock.now - ms);
    /** The purge as the app's hourly job runs it: its database, its clock, its configured ages. */
    const purge = () => purgeExpired(t.app.services.db, t.app.services.now(), t.app.config.retention);

    const aUser = async () =>
      (
        await db()
          .insertInto("users")
          .values({ email: `${randomUUID()}@example.com`, password_hash: null })
          .returning("id")
          .executeTakeFirstOrThrow()
      ).id;

    it("log entries older than LOG_RETENTION (90 days) are deleted, younger ones kept", async () => {
      await db()
        .insertInto("log")
        .values([
          { event: "old", at: ago(91 * DAY), user_id: null, ip: null, data: "{}" },
          { event: "young", at: ago(89 * DAY), user_id: null, ip: null, data: "{}" },
        ])
        .execute();
      const counts = await purge();
      assert.equal(counts.log, 1);
      const left = await db().selectFrom("log").select("event").execute();
      assert.deepEqual(
        left.map((row) => row.event),
        ["young"],
      );
    });

    it("a delivered mail's row goes OUTBOX_RETENTION (7 days) after delivery; one delivered since stays", async () => {
      const mail = (sentDaysAgo: number) => ({
        to: "ann@example.com",
        subject: `sent ${sentDaysAgo} days ago`,
        text: "",
        sent_at: ago(sentDaysAgo * DAY),
        next_attempt_at: ago(sentDaysAgo * DAY),
      });
      await db()
        .insertInto("outbox")
        .values([mail(8), mail(6)])
        .execute();
      assert.equal((await purge()).outbox, 1);
      const left = await db().selectFrom("outbox").select("subject").execute();
      assert.deepEqual(
        left.map((row) => row.subject),
        ["sent 6 days ago"],
      );
    });

    it("pending mail is never purged, however old: the mailer's bound ends it, not the clock", async () => {
      await db()
        .insertInto("outbox")
        .values({
          to: "ann@example.com",
          subject: "waiting",
          text: "link",
          attempts: 3,
          next_attempt_at: ago(400 * DAY),
          created_at: ago(400 * DAY),
        })
        .execute();
      assert.equal((await purge()).outbox, 0);
      assert.equal((await db().selectFrom("outbox").selectAll().execute()).length, 1);
    });

    it("mail marked failed is kept for an admin to retry until it is older than LOG_RETENTION", async () => {
      const failed = (daysAgo: number) => ({
        to: "gone@example.com",
        subject: `failed ${daysAgo} days ago`,
        text: "link",
        attempts: 1,
        failed_at: ago(daysAgo * DAY),
        next_attempt_at: ago(daysAgo * DAY),
      });
      await db()
        .insertInto("outbox")
        .values([failed(91), failed(30)])
        .execute();
      assert.equal((await purge()).outbox, 1);
      const left = await db().selectFrom("outbox").select("subject").execute();
      assert.deepEqual(
        left.map((row) => row.subject),
        ["failed 30 days ago"],
      );
    });

    it("one-time tokens go a day after they were used or expired; a live confirmation link still works after the purge", async () => {
      assert.equal((await register(t.app, "ann@example.com", "correct horse")).status, 202);
      const link = tokenIn(await t.smtp.waitFor("ann@example.com", /Confirm your address/));
      const user = await aUser();
      const token = (name: string, fields: { expires_at: Date; consumed_at?: Date }) => ({
        user_id: user,
        purpose: name,
        token_hash: randomUUID(),
        ...fields,
      });
      await db()
        .insertInto("one_time_tokens")
        .values([
          token("used-two-days-ago", { expires_at: ago(-DAY), consumed_at: ago(2 * DAY) }),
          token("expired-two-days-ago", { expires_at: ago(2 * DAY) }),
          token("expired-an-hour-ago", { expires_at: ago(3_600_000) }),
        ])
        .execute();

      assert.equal((await purge()).one_time_tokens, 2);
      const left = await db().selectFrom("one_time_tokens").select("purpose").orderBy("purpose").execute();
      assert.deepEqual(
        left.map((row) => row.purpose),
        ["confirm-email", "expired-an-hour-ago"],
      );
      assert.equal((await t.app.request("/auth/confirm", json({ token: link }))).status, 200);
    });

    it("a dead login's refresh tokens go; a live login keeps its spent ones, so reusing one after the purge still revokes the login", async () => {
      await registerConfirmed(t.app, t.smtp, "bo@example.com", "correct horse");
      const first = await signIn(t.app, "bo@example.com", "correct horse");
      t.clock.now += 20 * DAY;
      const rotated = await refresh(t.app, first.refresh_token);
      assert.equal(rotated.status, 200);
      // The first token (spent) expired two days ago; the login lives on in the one it was rotated into.
      t.clock.now += 12 * DAY;
      const user = await aUser();
      const deadFamily = randomUUID();
      await db()
        .insertInto("refresh_tokens")
        .values([0, 1].map((n) => ({ user_id: user, family_id: deadFamily, token_hash: randomUUID(), expires_at: ago((2 + n) * DAY) })))
        .execute();

      assert.equal((await purge()).refresh_tokens, 2, "only the dead login's two tokens");
      assert.equal(
        (await db().selectFrom("refresh_tokens").selectAll().where("user_id", "!=", user).execute()).length,
        2,
        "the live login's spent and current tokens",
      );
      assert.equal((await db().selectFrom("refresh_tokens").selectAll().where("family_id", "=", deadFamily).execute()).length, 0);

      const reuse = await refresh(t.app, first.refresh_token);
      assert.equal(reuse.status, 401);
      assert.equal((await reuse.json()).error.code, "invalid_refresh_token");
      const next = (await rotated.json()).refresh_token as string;
      assert.equal((await refresh(t.app, next)).status, 401, "the whole login was revoked by the reuse");
    });

    it("the job purges once at start, old rate-limit hits included, and stop() waits for it", async () => {
      await db()
        .insertInto("rate_limit_hits")
        .values([
          { key: "limit:old", at: ago(2 * DAY) },
          { key: "limit:new", at: ago(60_000) },
        ])
        .execute();
      await db()
        .insertInto("log")
        .values({ event: "old", at: ago(100 * DAY), user_id: null, ip: null, data: "{}" })
        .execute();
      const job = startRetention({
        db: db(),
        now: () => new Date(t.clock.now),
        logger: createLogger("silent"),
        policy: t.app.config.retention,
        alsoPrune: [pruneHits],
      });
      await job.stop();
      const hits = await db().selectFrom("rate_limit_hits").select("key").execute();
      assert.deepEqual(
        hits.map((row) => row.key),
        ["limit:new"],
      );
      assert.equal((await db().selectFrom("log").selectAll().execute()).length, 0);
    });

    it("the job purges again on its interval, without being asked", async () => {
      const job = startRetention({
        db: db(),
        now: () => new Date(t.clock.now),
        logger: createLogger("silent"),
        policy: t.app.config.retention,
        intervalMs: 50,
      });
      try {
        await job.idle();
        await db()
          .insertInto("log")
          .values({ event: "old", at: ago(100 * DAY), user_id: null, ip: null, data: "{}" })
          .execute();
        let left = 1;
        for (let waited = 0; left > 0 && waited < 5000; waited += 25) {
          await new Promise((resolve) => setTimeout(resolve, 25));
          left = (await db().selectFrom("log").selectAll().execute()).length;
        }
        assert.equal(left, 0, "purged by a later run");
      } finally {
        await job.stop();
      }
    });

    it("two instances purging at once both finish, and every old row is deleted exactly once", async () => {
      const old = ago(200 * DAY);
      await sql`insert into log (event, at) select 'old', ${old} from generate_series(1, 12000)`.execute(db());
      await db()
        .insertInto("log")
        .values({ event: "young", at: ago(DAY), user_id: null, ip: null, data: "{}" })
        .execute();
      const [one, two] = await Promise.all([purge(), purge()]);
      assert.equal(one.log + two.log, 12000);
      const left = await db().selectFrom("log").select("event").execute();
      assert.deepEqual(
        left.map((row) => row.event),
        ["young"],
      );
    });

    it("LOG_RETENTION or OUTBOX_RETENTION that is not a duration is a startup error naming the variable", () => {
      for (const name of ["LOG_RETENTION", "OUTBOX_RETENTION"]) {
        assert.throws(
          () => loadConfig({ [name]: "forever" }),
          (error: unknown) => error instanceof ConfigError && error.message.includes(name),
          name,
        );
      }
      assert.deepEqual(loadConfig({}).retention, { logSeconds: 90 * 86_400, outboxSeconds: 7 * 86_400 });
    });
  });
}
