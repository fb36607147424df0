import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import type { TrellisApp } from "../../src/create-app.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { login, refresh, registerConfirmed, signIn } from "../helpers/accounts.ts";
import { databaseTargets, resetDatabase } from "../helpers/databases.ts";
import { createShippedApp, PUBLIC_URL } from "../helpers/shipped-app.ts";
import { startSmtp, type TestSmtp, tokenIn } from "../helpers/smtp.ts";
import { json } from "../helpers/test-app.ts";

for (const target of databaseTargets()) {
  describe(`forgot and reset password (${target.name})`, () => {
    let database: DatabaseHandle;
    let smtp: TestSmtp;
    let app: TrellisApp;
    const clock = { now: Date.parse("2026-03-01T12:00:00Z") };

    before(async () => {
      database = await target.open();
      smtp = await startSmtp();
      app = await createShippedApp(database, smtp, clock);
    });
    after(async () => {
      await app.close();
      await smtp.close();
      await database.close();
    });
    beforeEach(async () => {
      await app.services.mailer.idle();
      await resetDatabase(database);
      smtp.clear();
      clock.now = Date.parse("2026-03-01T12:00:00Z");
    });

    const forgot = (email: string) => app.request("/auth/forgot-password", json({ email }));
    const reset = (token: string, password: string) => app.request("/auth/reset-password", json({ token, password }));

    it("forgot → mail → reset: old password 401, new 200, old refresh token dead, notice mailed", async () => {
      await registerConfirmed(app, smtp, "ann@example.com", "correct horse");
      const before = await signIn(app, "ann@example.com", "correct horse");

      assert.equal((await forgot("Ann@Example.com")).status, 202);
      const mail = await smtp.waitFor("ann@example.com", /Reset your password/);
      assert.match(mail.text, new RegExp(`${PUBLIC_URL}/auth/reset-password\\?token=`));
      const token = tokenIn(mail);
      const page = await app.request(`/auth/reset-password?token=${token}`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /type="password"/);

      const res = await reset(token, "battery staple");
      assert.equal(res.status, 200);
      assert.equal((await login(app, "ann@example.com", "correct horse")).status, 401);
      assert.equal((await login(app, "ann@example.com", "battery staple")).status, 200);
      assert.equal((await refresh(app, before.refresh_token)).status, 401);
      await smtp.waitFor("ann@example.com", /password was changed/);
    });

    it("forgot-password is 202 for an unknown address and mails nothing", async () => {
      await registerConfirmed(app, smtp, "bo@example.com", "correct horse");
      smtp.clear();
      const unknown = await forgot("nobody@example.com");
      const known = await forgot("bo@example.com");
      assert.deepEqual([unknown.status, known.status], [202, 202]);
      const [unknownBody, knownBody] = [await unknown.json(), await known.json()];
      assert.deepEqual(unknownBody, knownBody, "the answer does not tell who has an account");
      assert.deepEqual(Object.keys(knownBody), ["message"]);
      await smtp.waitFor("bo@example.com", /Reset/);
      assert.deepEqual(
        smtp.mails.map((mail) => mail.to),
        ["bo@example.com"],
      );
    });

    it("a reset token works once and not after an hour; a new request kills the earlier link", async () => {
      await registerConfirmed(app, smtp, "cy@example.com", "correct horse");
      await forgot("cy@example.com");
      const first = tokenIn(await smtp.waitFor("cy@example.com", /Reset/));
      smtp.clear();
      await forgot("cy@example.com");
      const second = tokenIn(await smtp.waitFor("cy@example.com", /Reset/));
      assert.equal((await reset(first, "battery staple")).status, 400, "the earlier link is dead");
      assert.equal((await reset(second, "battery staple")).status, 200);
      const again = await reset(second, "another password");
      assert.equal(again.status, 400);
      assert.equal((await again.json()).error.code, "invalid_token");

      smtp.clear();
      await forgot("cy@example.com");
      const late = tokenIn(await smtp.waitFor("cy@example.com", /Reset/));
      clock.now += 3600 * 1000 + 1000;
      assert.equal((await reset(late, "third password")).status, 400);
      assert.equal((await login(app, "cy@example.com", "battery staple")).status, 200);
    });

    it("rate-limits reset mails to one address: the sixth request in an hour is 429 with Retry-After", async () => {
      for (let i = 0; i < 5; i++) assert.equal((await forgot("flood@example.com")).status, 202);
      const limited = await forgot("flood@example.com");
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers.get("retry-after")) > 0);
      assert.equal((await forgot("other@example.com")).status, 202, "other addresses are not affected");
      clock.now += 3600 * 1000 + 1000;
      assert.equal((await forgot("flood@example.com")).status, 202);
    });

    it("a confirmation token cannot reset a password", async () => {
      await registerConfirmed(app, smtp, "dee@example.com", "correct horse");
      await app.request("/auth/resend-confirmation", json({ email: "dee@example.com" }));
      // dee is confirmed, so no new link is sent; use a fresh registration's token instead.
      await app.request("/auth/register", json({ email: "eve@example.com", password: "correct horse" }));
      const confirmToken = tokenIn(await smtp.waitFor("eve@example.com", /Confirm/));
      assert.equal((await reset(confirmToken, "battery staple")).status, 400);
    });
  });
}
