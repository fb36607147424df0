import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Kysely } from "kysely";
import type { Database } from "../../src/db/schema.ts";
import { register, registerConfirmed } from "../helpers/accounts.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { useShippedApp } from "../helpers/shipped-app.ts";
import { json } from "../helpers/test-app.ts";

const HOUR_MS = 3_600_000;

/** The mails queued for `to` (delivered or not) whose subject matches. */
async function queued(db: Kysely<Database>, to: string, subject: RegExp): Promise<number> {
  const rows = await db.selectFrom("outbox").select(["subject"]).where("to", "=", to).execute();
  return rows.filter((row) => subject.test(row.subject)).length;
}

/** Status, every header and the body as bytes: what a client could compare to tell two answers apart. */
async function answer(res: Response): Promise<{ status: number; headers: [string, string][]; body: string }> {
  const headers = [...res.headers.entries()].filter(([name]) => name !== "date").sort();
  return { status: res.status, headers, body: await res.text() };
}

for (const target of databaseTargets()) {
  describe(`mail caps count mails sent to an account, and never tell who has one (${target.name})`, () => {
    const t = useShippedApp(target);
    const forgot = (email: string) => t.app.request("/auth/forgot-password", json({ email }));
    const resend = (email: string) => t.app.request("/auth/resend-confirmation", json({ email }));

    it("a flood of forgot-password for an address with no account yet does not use up its cap: once registered and confirmed, the owner's reset mail arrives", async () => {
      for (let i = 0; i < 20; i++) assert.equal((await forgot("later@example.com")).status, 202);
      const hits = await t.database.db.selectFrom("rate_limit_hits").select("key").where("key", "like", "limit:reset-mail:%").execute();
      assert.equal(hits.length, 0, "no account, nothing counted");

      await registerConfirmed(t.app, t.smtp, "later@example.com", "correct horse");
      const res = await forgot("later@example.com");
      assert.equal(res.status, 202);
      const mail = await t.smtp.waitFor("later@example.com", /Reset your password/);
      assert.match(mail.text, /reset-password\?token=/);
    });

    it("forgot-password answers a known and an unknown address byte for byte alike (status, headers, body)", async () => {
      await registerConfirmed(t.app, t.smtp, "known@example.com", "correct horse");
      const known = await answer(await forgot("known@example.com"));
      const unknown = await answer(await forgot("unknown@example.com"));
      assert.equal(known.status, 202);
      assert.deepEqual(known, unknown);
      assert.equal(await queued(t.database.db, "known@example.com", /Reset/), 1);
      assert.equal(await queued(t.database.db, "unknown@example.com", /./), 0);
    });

    it("past 5 reset mails an hour to one account, forgot-password answers the same 202 and queues no mail (a 429 would tell the account exists)", async () => {
      await registerConfirmed(t.app, t.smtp, "capped@example.com", "correct horse");
      const first = await answer(await forgot("capped@example.com"));
      for (let i = 0; i < 4; i++) assert.equal((await forgot("capped@example.com")).status, 202);
      assert.equal(await queued(t.database.db, "capped@example.com", /Reset/), 5);

      for (let i = 0; i < 3; i++)
        assert.deepEqual(await answer(await forgot("capped@example.com")), first, "past the cap: the same answer");
      assert.deepEqual(await answer(await forgot("nobody@example.com")), first, "and the same as for no account");
      assert.equal(await queued(t.database.db, "capped@example.com", /Reset/), 5, "nothing more queued");

      t.clock.now += HOUR_MS + 1000;
      assert.equal((await forgot("capped@example.com")).status, 202);
      assert.equal(await queued(t.database.db, "capped@example.com", /Reset/), 6, "the calls past the cap did not stretch the hour");
    });

    it("ten forgot-password calls at once for one account queue exactly 5 reset mails, and all answer 202", async () => {
      await registerConfirmed(t.app, t.smtp, "burst@example.com", "correct horse");
      const answers = await Promise.all(Array.from({ length: 10 }, () => forgot("burst@example.com")));
      assert.deepEqual(
        answers.map((res) => res.status),
        Array(10).fill(202),
      );
      assert.equal(await queued(t.database.db, "burst@example.com", /Reset/), 5);
    });

    it("a flood of resend-confirmation before an address registers does not use up its cap: the owner still gets a fresh link", async () => {
      for (let i = 0; i < 20; i++) assert.equal((await resend("early@example.com")).status, 202);
      assert.equal((await register(t.app, "early@example.com", "correct horse")).status, 202);
      await t.smtp.waitFor("early@example.com", /Confirm your address/);
      assert.equal((await resend("early@example.com")).status, 202);
      assert.equal(
        await queued(t.database.db, "early@example.com", /Confirm your address/),
        2,
        "the registration's mail and the fresh link",
      );
    });

    it("past 5 fresh confirmation links an hour, resend-confirmation answers as for an unknown address and queues no mail", async () => {
      assert.equal((await register(t.app, "slow@example.com", "correct horse")).status, 202);
      const reference = await answer(await resend("nobody@example.com"));
      for (let i = 0; i < 5; i++) assert.deepEqual(await answer(await resend("slow@example.com")), reference);
      assert.equal(await queued(t.database.db, "slow@example.com", /Confirm your address/), 6);
      for (let i = 0; i < 3; i++) assert.deepEqual(await answer(await resend("slow@example.com")), reference);
      assert.equal(await queued(t.database.db, "slow@example.com", /Confirm your address/), 6, "nothing more queued");
    });

    it("registering a taken address again and again sends at most 5 notices an hour, with the answer of a new registration every time", async () => {
      assert.equal((await register(t.app, "taken@example.com", "correct horse")).status, 202);
      const fresh = await answer(await register(t.app, "new@example.com", "correct horse"));
      for (let i = 0; i < 8; i++) assert.deepEqual(await answer(await register(t.app, "taken@example.com", "other password")), fresh);
      assert.equal(await queued(t.database.db, "taken@example.com", /Someone tried to register/), 5);
      const users = await t.database.db.selectFrom("users").select("email").where("email", "=", "taken@example.com").execute();
      assert.equal(users.length, 1, "the account is untouched");
    });
  });
}
