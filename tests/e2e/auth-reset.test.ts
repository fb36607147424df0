import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { login, refresh, registerConfirmed, signIn } from "../helpers/accounts.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { PUBLIC_URL, useShippedApp } from "../helpers/shipped-app.ts";
import { tokenIn } from "../helpers/smtp.ts";
import { json } from "../helpers/test-app.ts";

for (const target of databaseTargets()) {
  describe(`forgot and reset password (${target.name})`, () => {
    const t = useShippedApp(target);
    const { clock } = t;

    const forgot = (email: string) => t.app.request("/auth/forgot-password", json({ email }));
    const reset = (token: string, password: string) => t.app.request("/auth/reset-password", json({ token, password }));

    it("forgot → mail → reset: old password 401, new 200, old refresh token dead, notice mailed", async () => {
      await registerConfirmed(t.app, t.smtp, "ann@example.com", "correct horse");
      const before = await signIn(t.app, "ann@example.com", "correct horse");

      assert.equal((await forgot("Ann@Example.com")).status, 202);
      const mail = await t.smtp.waitFor("ann@example.com", /Reset your password/);
      assert.match(mail.text, new RegExp(`${PUBLIC_URL}/auth/reset-password\\?token=`));
      const token = tokenIn(mail);
      assert.ok(mail.raw.includes(`token=${token}`), "the link is plain text on the wire, not quoted-printable");
      const page = await t.app.request(`/auth/reset-password?token=${token}`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /type="password"/);

      const res = await reset(token, "battery staple");
      assert.equal(res.status, 200);
      assert.equal((await login(t.app, "ann@example.com", "correct horse")).status, 401);
      assert.equal((await login(t.app, "ann@example.com", "battery staple")).status, 200);
      assert.equal((await refresh(t.app, before.refresh_token)).status, 401);
      await t.smtp.waitFor("ann@example.com", /password was changed/);
    });

    it("forgot-password is 202 for an unknown address and mails nothing", async () => {
      await registerConfirmed(t.app, t.smtp, "bo@example.com", "correct horse");
      t.smtp.clear();
      const unknown = await forgot("nobody@example.com");
      const known = await forgot("bo@example.com");
      assert.deepEqual([unknown.status, known.status], [202, 202]);
      const [unknownBody, knownBody] = [await unknown.json(), await known.json()];
      assert.deepEqual(unknownBody, knownBody, "the answer does not tell who has an account");
      assert.deepEqual(Object.keys(knownBody), ["message"]);
      await t.smtp.waitFor("bo@example.com", /Reset/);
      assert.deepEqual(
        t.smtp.mails.map((mail) => mail.to),
        ["bo@example.com"],
      );
    });

    it("a reset token works once and not after an hour; a new request kills the earlier link", async () => {
      await registerConfirmed(t.app, t.smtp, "cy@example.com", "correct horse");
      await forgot("cy@example.com");
      const first = tokenIn(await t.smtp.waitFor("cy@example.com", /Reset/));
      t.smtp.clear();
      await forgot("cy@example.com");
      const second = tokenIn(await t.smtp.waitFor("cy@example.com", /Reset/));
      assert.equal((await reset(first, "battery staple")).status, 400, "the earlier link is dead");
      assert.equal((await reset(second, "battery staple")).status, 200);
      const again = await reset(second, "another password");
      assert.equal(again.status, 400);
      assert.equal((await again.json()).error.code, "invalid_token");

      t.smtp.clear();
      await forgot("cy@example.com");
      const late = tokenIn(await t.smtp.waitFor("cy@example.com", /Reset/));
      clock.now += 3600 * 1000 + 1000;
      assert.equal((await reset(late, "third password")).status, 400);
      assert.equal((await login(t.app, "cy@example.com", "battery staple")).status, 200);
    });

    it("caps reset mails to one account at 5 an hour: the sixth request is the same 202 and mails nothing", async () => {
      await registerConfirmed(t.app, t.smtp, "flood@example.com", "correct horse");
      const resets = async () =>
        (await t.database.db.selectFrom("outbox").select("subject").where("to", "=", "flood@example.com").execute()).filter(
          (row) => row.subject === "Reset your password",
        ).length;
      for (let i = 0; i < 5; i++) assert.equal((await forgot("flood@example.com")).status, 202);
      assert.equal((await forgot("flood@example.com")).status, 202, "no 429: it would tell the account exists");
      assert.equal(await resets(), 5);
      clock.now += 3600 * 1000 + 1000;
      assert.equal((await forgot("flood@example.com")).status, 202);
      assert.equal(await resets(), 6);
    });

    it("a confirmation token cannot reset a password", async () => {
      await registerConfirmed(t.app, t.smtp, "dee@example.com", "correct horse");
      await t.app.request("/auth/resend-confirmation", json({ email: "dee@example.com" }));
      // dee is confirmed, so no new link is sent; use a fresh registration's token instead.
      await t.app.request("/auth/register", json({ email: "eve@example.com", password: "correct horse" }));
      const confirmToken = tokenIn(await t.smtp.waitFor("eve@example.com", /Confirm/));
      assert.equal((await reset(confirmToken, "battery staple")).status, 400);
    });
  });
}
