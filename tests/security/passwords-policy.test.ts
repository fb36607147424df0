import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../src/config.ts";
import type { TrellisApp } from "../../src/create-app.ts";
import { login, register, registerConfirmed, signIn } from "../helpers/accounts.ts";
import { REPO_ROOT } from "../helpers/cli.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { PUBLIC_URL, useShippedApp } from "../helpers/shipped-app.ts";
import { tokenIn } from "../helpers/smtp.ts";
import { bearer, createTestApp, json } from "../helpers/test-app.ts";

for (const target of databaseTargets()) {
  describe(`password policy on register, reset-password and change-password (${target.name})`, () => {
    const t = useShippedApp(target);

    const stored = async () => ({
      users: (await t.database.db.selectFrom("users").select("email").execute()).map((row) => row.email),
      mails: (await t.database.db.selectFrom("outbox").select("subject").execute()).map((row) => row.subject),
    });

    /** 400 validation_failed naming exactly `field`, with a message matching `problem`. */
    async function assertRefused(res: Response, field: string, problem: RegExp): Promise<void> {
      assert.equal(res.status, 400);
      const { error } = await res.json();
      assert.equal(error.code, "validation_failed");
      assert.deepEqual(Object.keys(error.details), [field]);
      assert.match(error.details[field], problem);
    }

    /** A second app on the same database, configured with `env`, the way a deployment would set it. */
    async function withEnv(env: Record<string, string>, use: (app: TrellisApp) => Promise<void>): Promise<void> {
      const app = await createTestApp({ appDir: REPO_ROOT, database: t.database, env: { SMTP_URL: t.smtp.url, PUBLIC_URL, ...env } });
      try {
        await use(app);
      } finally {
        await app.close();
      }
    }

    it("register refuses a 7-byte password with 400 validation_failed naming password, and stores and mails nothing", async () => {
      await assertRefused(await register(t.app, "short@example.com", "seven77"), "password", /at least 8 bytes/);
      assert.deepEqual(await stored(), { users: [], mails: [] });
    });

    it("lengths count UTF-8 bytes: four two-byte letters (8 bytes) pass, 37 of them (74 bytes) are refused", async () => {
      assert.equal((await register(t.app, "bytes@example.com", "éééé")).status, 202);
      await assertRefused(await register(t.app, "long@example.com", "é".repeat(37)), "password", /at most 72 bytes/);
      assert.deepEqual((await stored()).users, ["bytes@example.com"]);
    });

    it("register refuses the account's own email as its password, in any case, and stores nothing", async () => {
      await assertRefused(await register(t.app, "Mirror@Example.com", "mirror@EXAMPLE.com"), "password", /email/);
      assert.deepEqual(await stored(), { users: [], mails: [] });
    });

    it("reset-password refuses the account's email as the new password; the old password and the link still work", async () => {
      await registerConfirmed(t.app, t.smtp, "reset@example.com", "correct horse");
      await t.app.request("/auth/forgot-password", json({ email: "reset@example.com" }));
      const token = tokenIn(await t.smtp.waitFor("reset@example.com", /Reset/));
      const reset = (password: string) => t.app.request("/auth/reset-password", json({ token, password }));

      await assertRefused(await reset("RESET@example.com"), "password", /email/);
      await assertRefused(await reset("short"), "password", /at least 8 bytes/);
      assert.equal((await login(t.app, "reset@example.com", "correct horse")).status, 200, "the password is unchanged");
      assert.ok(!(await stored()).mails.includes("Your password was changed"), "no notice mailed");
      assert.equal((await reset("battery staple")).status, 200, "the refused tries did not spend the link");
    });

    it("change-password refuses the account's email as new_password, naming new_password; nothing changes and no login ends", async () => {
      await registerConfirmed(t.app, t.smtp, "change@example.com", "correct horse");
      const other = await signIn(t.app, "change@example.com", "correct horse");
      const session = await signIn(t.app, "change@example.com", "correct horse");
      const change = (new_password: string) =>
        t.app.request("/auth/change-password", json({ current_password: "correct horse", new_password }, bearer(session.access_token)));

      await assertRefused(await change("Change@Example.com"), "new_password", /email/);
      await assertRefused(await change("tiny"), "new_password", /at least 8 bytes/);
      assert.equal((await login(t.app, "change@example.com", "correct horse")).status, 200);
      const refreshed = await t.app.request("/auth/refresh", json({ refresh_token: other.refresh_token }));
      assert.equal(refreshed.status, 200, "the other login was not ended");
      assert.ok(!(await stored()).mails.includes("Your password was changed"));
    });

    it("PASSWORD_MIN_BYTES=12 refuses an 11-byte password on register and takes a 12-byte one", async () => {
      await withEnv({ PASSWORD_MIN_BYTES: "12" }, async (app) => {
        await assertRefused(await register(app, "twelve@example.com", "eleven bytes".slice(0, 11)), "password", /at least 12 bytes/);
        assert.equal((await register(app, "twelve@example.com", "twelve bytes")).status, 202);
      });
      assert.deepEqual((await stored()).users, ["twelve@example.com"]);
    });

    it("PASSWORD_REFUSE_COMMON=true refuses a password from the common-password list, in any case; a rare one passes", async () => {
      await withEnv({ PASSWORD_REFUSE_COMMON: "true" }, async (app) => {
        await assertRefused(await register(app, "common@example.com", "password1"), "password", /most common passwords/);
        await assertRefused(await register(app, "common@example.com", "BaseBall1"), "password", /most common passwords/);
        assert.deepEqual(await stored(), { users: [], mails: [] });
        assert.equal((await register(app, "common@example.com", "correct horse")).status, 202);
      });
    });

    it("common passwords are allowed by default, as the contract's 8 to 72 bytes promises (turn the list on with PASSWORD_REFUSE_COMMON)", async () => {
      assert.equal((await register(t.app, "default@example.com", "password1")).status, 202);
    });

    it("a policy that cannot hold stops the start: the minimum above the maximum, more than bcrypt's 72 bytes, an unknown switch", () => {
      const problems = (env: Record<string, string>) => {
        try {
          loadConfig(env);
        } catch (error) {
          if (error instanceof ConfigError) return error.problems.join("\n");
          throw error;
        }
        return "";
      };
      assert.match(problems({ PASSWORD_MIN_BYTES: "20", PASSWORD_MAX_BYTES: "16" }), /PASSWORD_MIN_BYTES \(20\) must not be more than/);
      assert.match(problems({ PASSWORD_MAX_BYTES: "73" }), /PASSWORD_MAX_BYTES must be a whole number from 1 to 72/);
      assert.match(problems({ PASSWORD_REFUSE_COMMON: "yes" }), /PASSWORD_REFUSE_COMMON must be true or false/);
    });
  });
}
