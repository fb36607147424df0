import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { claimsOf, login, me, register, registerConfirmed, signIn } from "../helpers/accounts.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { PUBLIC_URL, useShippedApp } from "../helpers/shipped-app.ts";
import { tokenIn } from "../helpers/smtp.ts";
import { bearer, json } from "../helpers/test-app.ts";

for (const target of databaseTargets()) {
  describe(`registration and confirmation (${target.name})`, () => {
    const t = useShippedApp(target);
    const { clock } = t;

    const users = () => t.database.db.selectFrom("users").selectAll().execute();

    it("register → mail → confirm page → confirm → login → me with roles [guest]", async () => {
      const res = await register(t.app, "ann@example.com", "correct horse", "Ann");
      assert.equal(res.status, 202);
      assert.equal(typeof (await res.json()).message, "string");

      const mail = await t.smtp.waitFor("ann@example.com", /Confirm your address/);
      assert.match(mail.text, new RegExp(`${PUBLIC_URL}/auth/confirm\\?token=[A-Za-z0-9_-]{27}`));
      const token = tokenIn(mail);
      assert.ok(mail.raw.includes(`token=${token}`), "the link is plain text on the wire, not quoted-printable");

      const page = await t.app.request(`/auth/confirm?token=${token}`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get("content-type") ?? "", /text\/html/);
      const html = await page.text();
      assert.match(html, /<button/);
      assert.ok(html.includes(token));
      assert.equal((await users())[0]?.confirmed_at, null, "opening the link confirms nothing");

      const confirmed = await t.app.request("/auth/confirm", json({ token }));
      assert.equal(confirmed.status, 200);

      const session = await signIn(t.app, "ann@example.com", "correct horse");
      const profile = await me(t.app, session);
      assert.equal(profile.status, 200);
      const body = await profile.json();
      assert.deepEqual(
        { ...body, id: "-", avatar_url: "-" },
        { id: "-", email: "ann@example.com", name: "Ann", roles: ["guest"], confirmed: true, avatar_url: "-" },
      );
      assert.deepEqual(claimsOf(session.access_token).roles, ["guest"]);
    });

    it("the confirm page escapes what it echoes and refuses a malformed token", async () => {
      const res = await t.app.request(`/auth/confirm?token=${encodeURIComponent('"><script>alert(1)</script>')}`);
      assert.equal(res.status, 400);
      assert.doesNotMatch(await res.text(), /<script>alert/);
    });

    it("a confirmation token works once and not after 24 hours", async () => {
      await register(t.app, "bo@example.com", "correct horse");
      const token = tokenIn(await t.smtp.waitFor("bo@example.com"));
      assert.equal((await t.app.request("/auth/confirm", json({ token }))).status, 200);
      const again = await t.app.request("/auth/confirm", json({ token }));
      assert.equal(again.status, 400);
      assert.equal((await again.json()).error.code, "invalid_token");

      await register(t.app, "cy@example.com", "correct horse");
      const late = tokenIn(await t.smtp.waitFor("cy@example.com"));
      clock.now += 24 * 3600 * 1000 + 1000;
      assert.equal((await t.app.request("/auth/confirm", json({ token: late }))).status, 400);
    });

    it("an unconfirmed user can sign in, with roles [] and 403 on guest endpoints", async () => {
      await register(t.app, "dee@example.com", "correct horse");
      const session = await signIn(t.app, "dee@example.com", "correct horse");
      assert.deepEqual(claimsOf(session.access_token).roles, []);
      const profile = await (await me(t.app, session)).json();
      assert.deepEqual([profile.roles, profile.confirmed], [[], false]);
      assert.equal((await t.app.request("/admin/users", { headers: bearer(session.access_token) })).status, 403);
    });

    it("registering a taken address answers the same 202, mails a notice and leaves the account as it was", async () => {
      await registerConfirmed(t.app, t.smtp, "eve@example.com", "first password");
      t.smtp.clear();
      const res = await register(t.app, "  EVE@Example.com ", "second password");
      assert.equal(res.status, 202);
      const notice = await t.smtp.waitFor("eve@example.com", /tried to register/);
      assert.doesNotMatch(notice.text, /token=/);
      assert.equal((await login(t.app, "eve@example.com", "first password")).status, 200);
      assert.equal((await login(t.app, "eve@example.com", "second password")).status, 401);
      assert.equal((await users()).length, 1);
    });

    it("two registrations of one new address at once both answer 202 and create one account", async () => {
      const results = await Promise.all(Array.from({ length: 4 }, () => register(t.app, "race@example.com", "correct horse")));
      assert.deepEqual(
        results.map((res) => res.status),
        [202, 202, 202, 202],
      );
      assert.equal((await users()).length, 1);
    });

    it("stores emails trimmed and lower-cased, and signs in with any case", async () => {
      await register(t.app, "  Fay@Example.COM ", "correct horse");
      assert.equal((await users())[0]?.email, "fay@example.com");
      assert.equal((await login(t.app, "FAY@example.com", "correct horse")).status, 200);
    });

    it("refuses passwords under 8 or over 72 UTF-8 bytes, creating nothing", async () => {
      const short = await register(t.app, "gus@example.com", "short");
      assert.equal(short.status, 400);
      assert.ok((await short.json()).error.details.password);
      const long = await register(t.app, "gus@example.com", "é".repeat(37)); // 37 characters, 74 bytes
      assert.equal(long.status, 400);
      assert.match((await long.json()).error.details.password, /72 bytes/);
      assert.equal((await users()).length, 0);
    });

    it("resend-confirmation sends a fresh link and kills the earlier one; 202 for anyone", async () => {
      await register(t.app, "hal@example.com", "correct horse");
      const first = tokenIn(await t.smtp.waitFor("hal@example.com"));
      t.smtp.clear();
      assert.equal((await t.app.request("/auth/resend-confirmation", json({ email: "hal@example.com" }))).status, 202);
      const second = tokenIn(await t.smtp.waitFor("hal@example.com"));
      assert.notEqual(first, second);
      assert.equal((await t.app.request("/auth/confirm", json({ token: first }))).status, 400);
      assert.equal((await t.app.request("/auth/confirm", json({ token: second }))).status, 200);
      const unknown = await t.app.request("/auth/resend-confirmation", json({ email: "nobody@example.com" }));
      assert.equal(unknown.status, 202);
      assert.deepEqual(Object.keys(await unknown.json()), ["message"]);
    });
  });
}
