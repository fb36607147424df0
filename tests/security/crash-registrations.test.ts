import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { createDatabase, type DatabaseHandle } from "../../src/db/create-database.ts";
import { migrate } from "../../src/db/migrate.ts";
import { resetDatabase } from "../helpers/databases.ts";
import { copyShippedApp, type Instance, startInstance, stopInstance } from "../helpers/instances.ts";
import { startSmtp, type TestSmtp } from "../helpers/smtp.ts";
import { TEST_JWT_SECRET, tempDir } from "../helpers/test-app.ts";

const BURST = 40;
/** The kill comes once this many registrations have been answered: the rest are in flight. */
const KILL_AFTER = 8;
const PASSWORD = "correct horse battery";
const CONFIRM_SUBJECT = "Confirm your address";
const email = (i: number) => `crash-${i}@crash.test`;

interface Target {
  readonly name: "pglite" | "postgres";
  /** Extra environment of the server. */
  readonly env: Record<string, string>;
  /** Opens the server's database in this process, once the server is gone. */
  open(dataDir: string): DatabaseHandle;
}

const targets: Target[] = [{ name: "pglite", env: {}, open: (dataDir) => createDatabase({ dataDir }) }];
const url = process.env.TEST_DATABASE_URL;
if (url) targets.push({ name: "postgres", env: { DATABASE_URL: url }, open: () => createDatabase({ url }) });

interface OutboxRow {
  readonly to: string;
  readonly subject: string;
  readonly sent_at: Date | null;
  readonly failed_at: Date | null;
  readonly next_attempt_at: Date;
}

/**
 * The fault of a process killed mid-request (`kill -9`, the OOM killer, a
 * pulled plug of the container): a real `trellis start` serving a burst of
 * registrations is SIGKILLed, then started again on the same data. A user row
 * and its confirmation mail are written in one transaction, so the crash may
 * lose a registration in flight, never half of one.
 */
for (const target of targets) {
  describe(`security: crash mid-request, kill -9 during a burst of registrations (${target.name})`, () => {
    const dataDir = tempDir("trellis-crash-");
    const appDir = copyShippedApp();
    let smtp: TestSmtp;
    let env: Record<string, string>;
    let crashed: Instance | undefined;
    let restarted: Instance | undefined;
    /** Addresses whose registration was answered 202 before the kill. */
    const accepted: string[] = [];
    let unanswered = 0;
    let users: string[] = [];
    let outbox: OutboxRow[] = [];

    before(async () => {
      // Created and migrated beforehand, so the server starts within startInstance's wait even on a busy machine.
      const database = target.open(dataDir);
      try {
        await migrate(database.db);
        await resetDatabase(database);
      } finally {
        await database.close();
      }
      smtp = await startSmtp();
      env = {
        JWT_SECRET: TEST_JWT_SECRET,
        BCRYPT_COST: "4",
        // Every registration of the burst waits its turn for bcrypt, rather than being refused 503 busy.
        BCRYPT_QUEUE: "1000",
        SMTP_URL: smtp.url,
        PUBLIC_URL: "http://trellis.test",
        ...target.env,
      };
    });
    after(async () => {
      await stopInstance(crashed);
      await stopInstance(restarted);
      await smtp.close();
    });

    it("a burst of registrations killed with SIGKILL mid-way: every registration answered 202 left its user", async () => {
      crashed = await startInstance(`crash-${target.name}`, "start", appDir, env, dataDir);
      const server = crashed;
      let answered = 0;
      let killed: Promise<number | null> | undefined;
      const burst = Array.from({ length: BURST }, async (_, i) => {
        const res = await server.post("/auth/register", { email: email(i), password: PASSWORD });
        await res.arrayBuffer();
        if (res.status === 202) accepted.push(email(i));
        // A 5xx would mean a fault before the crash, not the crash.
        assert.equal(res.status, 202, `registration ${i}`);
        if (++answered === KILL_AFTER) {
          server.server.child.kill("SIGKILL");
          killed = server.server.exited;
        }
      });
      const results = await Promise.allSettled(burst);
      unanswered = results.filter((result) => result.status === "rejected").length;
      assert.ok(killed, `only ${answered} registrations were answered: the server was not killed`);
      await killed;
      assert.equal(server.server.child.signalCode, "SIGKILL");
      assert.ok(accepted.length >= KILL_AFTER, `accepted ${accepted.length}`);
      assert.ok(unanswered > 0, "the kill came while registrations were in flight");
      for (const result of results) {
        if (result.status === "rejected") assert.doesNotMatch(String(result.reason), /AssertionError/, String(result.reason));
      }
    });

    it("after the crash the database opens again in another process, its stale lock taken over", async () => {
      if (target.name === "pglite") {
        const lock = path.join(dataDir, "pgdata", "trellis.lock");
        assert.equal(fs.readFileSync(lock, "utf8"), String(crashed?.server.child.pid), "the dead server's lock is left behind");
      }
      const database = target.open(dataDir);
      try {
        users = (await database.db.selectFrom("users").select("email").execute()).map((row) => row.email);
        outbox = await database.db.selectFrom("outbox").select(["to", "subject", "sent_at", "failed_at", "next_attempt_at"]).execute();
        const tokens = await database.db
          .selectFrom("one_time_tokens")
          .innerJoin("users", "users.id", "one_time_tokens.user_id")
          .select("users.email")
          .where("purpose", "=", "confirm-email")
          .execute();
        assert.deepEqual(tokens.map((row) => row.email).sort(), [...users].sort(), "every user has its confirmation token");
      } finally {
        await database.close();
      }
      if (target.name === "pglite") assert.ok(!fs.existsSync(path.join(dataDir, "pgdata", "trellis.lock")), "closing released the lock");
    });

    it("no registration was half-written: each user row has exactly one confirmation mail, no mail lacks its user", async (t) => {
      const sent = outbox.filter((row) => row.sent_at !== null).length;
      t.diagnostic(
        `${accepted.length} answered 202, ${unanswered} cut off, ${users.length} users, ${sent} mails sent, ${outbox.length - sent} pending`,
      );
      for (const address of accepted) assert.ok(users.includes(address), `${address} was answered 202 but has no user`);
      assert.ok(users.length < BURST, "registrations in flight at the kill were lost whole");
      for (const address of users) {
        const mails = outbox.filter((row) => row.to === address);
        assert.equal(mails.length, 1, `${address} has ${mails.length} mails`);
        assert.equal(mails[0]?.subject, CONFIRM_SUBJECT);
      }
      for (const row of outbox) assert.ok(users.includes(row.to), `mail to ${row.to} has no user`);
      assert.ok(
        outbox.every((row) => row.failed_at === null),
        "no mail was given up on",
      );
    });

    it("trellis start runs again on the same data, and mail queued before the crash and after it reaches the SMTP server", async () => {
      restarted = await startInstance(`restart-${target.name}`, "start", appDir, env, dataDir);
      assert.equal((await restarted.get("/healthz")).status, 200);
      const res = await restarted.post("/auth/register", { email: "after@crash.test", password: PASSWORD });
      assert.equal(res.status, 202);
      await smtp.waitFor("after@crash.test", new RegExp(CONFIRM_SUBJECT));

      // A mail the dead server had claimed is someone's for its lease (two minutes), then sent; the rest is due now.
      const now = Date.now();
      const leased = outbox.filter((row) => row.sent_at === null && row.next_attempt_at.getTime() > now);
      assert.ok(leased.length <= 1, `at most the one mail being sent at the kill is leased, got ${leased.length}`);
      const due = outbox.filter((row) => row.sent_at === null && !leased.includes(row));
      for (const row of due) await smtp.waitFor(row.to, new RegExp(CONFIRM_SUBJECT), 15_000);
      for (const address of users) {
        const delivered = smtp.mails.some((mail) => mail.to === address) || outbox.some((row) => row.to === address && row.sent_at);
        assert.ok(delivered || leased.some((row) => row.to === address), `${address} got no confirmation mail`);
      }
      assert.equal(await stopInstance(restarted), 0, "the restarted server stops cleanly");
      restarted = undefined;
    });
  });
}
