import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TrellisApp } from "../../src/create-app.ts";
import { login, register, registerConfirmed } from "../helpers/accounts.ts";
import { REPO_ROOT } from "../helpers/cli.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { PUBLIC_URL, useShippedApp } from "../helpers/shipped-app.ts";
import { createTestApp, json } from "../helpers/test-app.ts";

/** What a client can tell two answers apart by: status, body and every header but Date. */
async function fingerprint(res: Response): Promise<string> {
  const headers = [...res.headers.entries()].filter(([name]) => name !== "date").sort();
  return JSON.stringify({ status: res.status, headers, body: await res.text() });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

const TRIES = 5;
const MINUTE = 60_000;

for (const target of databaseTargets()) {
  describe(`account enumeration: known and unknown addresses get the same answer, in about the same time (${target.name})`, () => {
    const t = useShippedApp(target);
    /** bcrypt at cost 8, so the hash dominates a request's time as it does at the default 12. */
    let slow: TrellisApp;
    /** One bcrypt thread and a queue of one: whether a request went through bcrypt shows as 503 busy. */
    let narrow: TrellisApp;

    before(async () => {
      const env = { SMTP_URL: t.smtp.url, PUBLIC_URL };
      slow = await createTestApp({
        appDir: REPO_ROOT,
        database: t.database,
        env: { ...env, BCRYPT_COST: "8" },
        now: () => new Date(t.clock.now),
      });
      narrow = await createTestApp({
        appDir: REPO_ROOT,
        database: t.database,
        env: { ...env, BCRYPT_COST: "9", BCRYPT_WORKERS: "1", BCRYPT_QUEUE: "1" },
        now: () => new Date(t.clock.now),
      });
    });
    after(async () => {
      await slow.close();
      await narrow.close();
    });

    const userRow = (email: string) => t.database.db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirstOrThrow();

    it("register: a taken address gets the byte-identical 202 of a new one, and the account is untouched", async () => {
      await registerConfirmed(t.app, t.smtp, "known@example.com", "correct horse");
      const before = await userRow("known@example.com");
      const taken = await fingerprint(
        await t.app.request("/auth/register", json({ email: "known@example.com", password: "attacker pass", name: "Mallory" })),
      );
      const fresh = await fingerprint(
        await t.app.request("/auth/register", json({ email: "fresh@example.com", password: "attacker pass", name: "Mallory" })),
      );
      assert.equal(taken, fresh);
      assert.deepEqual(await userRow("known@example.com"), before, "password hash, name and confirmation unchanged");
      await t.smtp.waitFor("known@example.com", /tried to register/);
    });

    it("login: a wrong password and an unknown address get the byte-identical 401", async () => {
      await registerConfirmed(t.app, t.smtp, "known@example.com", "correct horse");
      const wrong = await fingerprint(await login(t.app, "known@example.com", "wrong horse"));
      const unknown = await fingerprint(await login(t.app, "unknown@example.com", "wrong horse"));
      assert.equal(wrong, unknown);
      assert.match(wrong, /invalid_credentials/);
    });

    it("login: an unknown address is locked out after as many failures as a known one (the 429 tells nothing)", async () => {
      await registerConfirmed(t.app, t.smtp, "known@example.com", "correct horse");
      const statuses = async (email: string) => {
        const seen: number[] = [];
        for (let i = 0; i < 7; i++) seen.push((await login(t.app, email, `wrong ${i}`)).status);
        return seen;
      };
      const known = await statuses("known@example.com");
      assert.deepEqual(await statuses("unknown@example.com"), known);
      assert.deepEqual(known, [401, 401, 401, 401, 401, 429, 429]);
    });

    it("login: a disabled account's wrong password gets the unknown address's 401", async () => {
      await registerConfirmed(t.app, t.smtp, "known@example.com", "correct horse");
      await t.database.db
        .updateTable("users")
        .set({ disabled_at: new Date(t.clock.now) })
        .execute();
      assert.equal(
        await fingerprint(await login(t.app, "known@example.com", "wrong horse")),
        await fingerprint(await login(t.app, "unknown@example.com", "wrong horse")),
      );
    });

    it("forgot-password: a known and an unknown address get the byte-identical 202; only the known one gets mail", async () => {
      await registerConfirmed(t.app, t.smtp, "known@example.com", "correct horse");
      t.smtp.clear();
      const known = await fingerprint(await t.app.request("/auth/forgot-password", json({ email: "known@example.com" })));
      const unknown = await fingerprint(await t.app.request("/auth/forgot-password", json({ email: "unknown@example.com" })));
      assert.equal(known, unknown);
      await t.smtp.waitFor("known@example.com", /Reset/);
      await t.app.services.mailer.idle();
      assert.deepEqual(
        t.smtp.mails.map((mail) => mail.to),
        ["known@example.com"],
      );
    });

    it("resend-confirmation: unconfirmed, confirmed and unknown addresses get the byte-identical 202", async () => {
      await registerConfirmed(t.app, t.smtp, "confirmed@example.com", "correct horse");
      await register(t.app, "pending@example.com", "correct horse");
      const answers = await Promise.all(
        ["pending@example.com", "confirmed@example.com", "unknown@example.com"].map(async (email) =>
          fingerprint(await t.app.request("/auth/resend-confirmation", json({ email }))),
        ),
      );
      assert.equal(new Set(answers).size, 1, answers.join("\n"));
    });

    it("login timing: the medians of an unknown address and a wrong password are within 3x of each other (bcrypt runs for both)", async () => {
      await registerConfirmed(slow, t.smtp, "known@example.com", "correct horse");
      const times = { known: [] as number[], unknown: [] as number[] };
      for (let i = 0; i < TRIES; i++) {
        for (const [which, email] of [
          ["known", "known@example.com"],
          ["unknown", "unknown@example.com"],
        ] as const) {
          const started = performance.now();
          assert.equal((await login(slow, email, "wrong horse")).status, 401);
          times[which].push(performance.now() - started);
        }
        t.clock.now += 16 * MINUTE; // past the lockout window, so every try is a full attempt
      }
      const ratio = median(times.unknown) / median(times.known);
      assert.ok(ratio > 1 / 3 && ratio < 3, `unknown ${median(times.unknown).toFixed(1)} ms, known ${median(times.known).toFixed(1)} ms`);
    });

    it("register timing: the medians of a taken and a new address are within 3x of each other (both hash the password)", async () => {
      await registerConfirmed(slow, t.smtp, "known@example.com", "correct horse");
      const times = { taken: [] as number[], fresh: [] as number[] };
      for (let i = 0; i < TRIES; i++) {
        for (const [which, email] of [
          ["taken", "known@example.com"],
          ["fresh", `fresh${i}@example.com`],
        ] as const) {
          const started = performance.now();
          assert.equal((await register(slow, email, "correct horse")).status, 202);
          times[which].push(performance.now() - started);
        }
      }
      const ratio = median(times.taken) / median(times.fresh);
      assert.ok(ratio > 1 / 3 && ratio < 3, `taken ${median(times.taken).toFixed(1)} ms, new ${median(times.fresh).toFixed(1)} ms`);
    });

    it("a login for an unknown address takes a bcrypt turn like a known one: a full queue answers it 503 busy too", async () => {
      await registerConfirmed(narrow, t.smtp, "known@example.com", "correct horse");
      // Five at most for one address: more would wait for the lockout's count and could be 429.
      const burst = async (email: (i: number) => string) =>
        (await Promise.all(Array.from({ length: 5 }, (_, i) => login(narrow, email(i), "wrong horse")))).map((res) => res.status);
      // Had the unknown address skipped bcrypt, every one of its answers would be a quick 401.
      for (const statuses of [await burst((i) => `unknown${i}@example.com`), await burst(() => "known@example.com")]) {
        assert.ok(statuses.includes(401) && statuses.includes(503), statuses.join());
        assert.ok(
          statuses.every((status) => status === 401 || status === 503),
          statuses.join(),
        );
      }
    });
  });
}
