import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { URI } from "otpauth";
import { claimsOf, login, me, refresh, register, registerConfirmed, signIn } from "../helpers/accounts.ts";
import { REPO_ROOT } from "../helpers/cli.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { pageFiles } from "../helpers/readme-tutorial.ts";
import { PUBLIC_URL, useShippedApp } from "../helpers/shipped-app.ts";
import { tokenIn } from "../helpers/smtp.ts";
import { bearer, createTestApp, json, tempDir } from "../helpers/test-app.ts";

const UNCONFIRMED_STEP = `  - respond: { status: 202, body: { message: "If the address has an account, a sign-in link is on its way." } }
    when: "\${!user.confirmed}"
`;

/** The repo's app with the two edits docs/magic-links.md describes, so that a sign-in link confirms the address. */
function appWhereTheLinkConfirms(): string {
  const dir = tempDir("trellis-magic-link-");
  for (const part of ["endpoints", "actions", "roles.yaml"])
    fs.cpSync(path.join(REPO_ROOT, part), path.join(dir, part), { recursive: true });
  const request = path.join(dir, "endpoints/auth/magic-link.post.yaml");
  const shipped = fs.readFileSync(request, "utf8");
  assert.ok(shipped.includes(UNCONFIRMED_STEP), "the step docs/magic-links.md says to delete is in the shipped file");
  fs.writeFileSync(request, shipped.replace(UNCONFIRMED_STEP, ""));
  const files = pageFiles("docs/magic-links.md", "Letting the link confirm an address");
  assert.deepEqual([...files.keys()], ["endpoints/auth/magic-link/verify.post.yaml"]);
  for (const [file, text] of files) fs.writeFileSync(path.join(dir, file), text);
  return dir;
}

for (const target of databaseTargets()) {
  describe(`sign-in links (${target.name})`, () => {
    const t = useShippedApp(target);
    const { clock } = t;

    const ask = (email: string) => t.app.request("/auth/magic-link", json({ email }));
    const verify = (token: string) => t.app.request("/auth/magic-link/verify", json({ token }));
    const linkMails = async (to: string) =>
      (await t.database.db.selectFrom("outbox").select("subject").where("to", "=", to).execute()).filter(
        (row) => row.subject === "Your sign-in link",
      ).length;

    it("mail → page with a button (opening it spends nothing) → verify: the same token pair as login, /auth/me works", async () => {
      await registerConfirmed(t.app, t.smtp, "ann@example.com", "correct horse");
      const res = await ask("Ann@Example.com");
      assert.equal(res.status, 202);
      const mail = await t.smtp.waitFor("ann@example.com", /Your sign-in link/);
      assert.match(mail.text, new RegExp(`${PUBLIC_URL}/auth/magic-link\\?token=`));
      const token = tokenIn(mail);

      const page = await t.app.request(`/auth/magic-link?token=${token}`);
      assert.equal(page.status, 200);
      const html = await page.text();
      assert.match(html, /<button type="submit">Sign me in<\/button>/);
      assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'none'/);
      await t.app.request(`/auth/magic-link?token=${token}`);

      const signedIn = await verify(token);
      assert.equal(signedIn.status, 200, "the page, opened twice, did not spend the link");
      const pair = await signedIn.json();
      const passwordLogin = await (await login(t.app, "ann@example.com", "correct horse")).json();
      assert.deepEqual(Object.keys(pair).sort(), Object.keys(passwordLogin).sort());
      assert.deepEqual(claimsOf(pair.access_token).roles, ["guest"]);
      const profile = await me(t.app, pair);
      assert.equal(profile.status, 200);
      assert.equal((await profile.json()).email, "ann@example.com");
      assert.equal((await refresh(t.app, pair.refresh_token)).status, 200, "the refresh token is a real login");
      const events = await t.database.db.selectFrom("log").select("event").where("event", "like", "%magic%").orderBy("id").execute();
      assert.deepEqual(
        events.map((row) => row.event),
        ["magic_link.requested", "login.magic_link"],
      );
    });

    it("a link works once, not after 15 minutes, and a newer link kills the earlier one", async () => {
      await registerConfirmed(t.app, t.smtp, "bo@example.com", "correct horse");
      await ask("bo@example.com");
      const first = tokenIn(await t.smtp.waitFor("bo@example.com", /sign-in link/));
      t.smtp.clear();
      await ask("bo@example.com");
      const second = tokenIn(await t.smtp.waitFor("bo@example.com", /sign-in link/));
      assert.equal((await verify(first)).status, 400, "the earlier link is dead");
      assert.equal((await verify(second)).status, 200);
      const replay = await verify(second);
      assert.equal(replay.status, 400);
      assert.equal((await replay.json()).error.code, "invalid_token");

      t.smtp.clear();
      await ask("bo@example.com");
      const late = tokenIn(await t.smtp.waitFor("bo@example.com", /sign-in link/));
      clock.now += 15 * 60 * 1000 + 1000;
      const expired = await verify(late);
      assert.equal(expired.status, 400);
      assert.equal((await expired.json()).error.code, "invalid_token");
    });

    it("unknown, unconfirmed and disabled addresses get the same 202 and no mail", async () => {
      await register(t.app, "new@example.com", "correct horse");
      await registerConfirmed(t.app, t.smtp, "off@example.com", "correct horse");
      await registerConfirmed(t.app, t.smtp, "on@example.com", "correct horse");
      await t.database.db
        .updateTable("users")
        .set({ disabled_at: new Date(clock.now) })
        .where("email", "=", "off@example.com")
        .execute();
      t.smtp.clear();
      const answers = [];
      for (const email of ["nobody@example.com", "new@example.com", "off@example.com", "on@example.com"]) {
        const res = await ask(email);
        answers.push({ status: res.status, body: await res.json() });
      }
      assert.deepEqual(new Set(answers.map((answer) => JSON.stringify(answer))).size, 1, "the answers do not tell who has an account");
      await t.smtp.waitFor("on@example.com", /sign-in link/);
      assert.deepEqual(await Promise.all(["nobody@example.com", "new@example.com", "off@example.com"].map(linkMails)), [0, 0, 0]);
    });

    it("a link of an account disabled after it was mailed does not sign in, and a confirmation token is not a sign-in link", async () => {
      await registerConfirmed(t.app, t.smtp, "cy@example.com", "correct horse");
      await ask("cy@example.com");
      const token = tokenIn(await t.smtp.waitFor("cy@example.com", /sign-in link/));
      await t.database.db
        .updateTable("users")
        .set({ disabled_at: new Date(clock.now) })
        .where("email", "=", "cy@example.com")
        .execute();
      const refused = await verify(token);
      assert.equal(refused.status, 403);
      assert.equal((await refused.json()).error.code, "account_disabled");

      await register(t.app, "dee@example.com", "correct horse");
      const confirmToken = tokenIn(await t.smtp.waitFor("dee@example.com", /Confirm/));
      assert.equal((await verify(confirmToken)).status, 400);
    });

    it("caps sign-in mails to one account at 5 an hour: the sixth request is the same 202 and mails nothing", async () => {
      await registerConfirmed(t.app, t.smtp, "flood@example.com", "correct horse");
      for (let i = 0; i < 5; i++) assert.equal((await ask("flood@example.com")).status, 202);
      assert.equal((await ask("flood@example.com")).status, 202, "no 429: it would tell the account exists");
      assert.equal(await linkMails("flood@example.com"), 5);
      clock.now += 3600 * 1000 + 1000;
      await ask("flood@example.com");
      assert.equal(await linkMails("flood@example.com"), 6);
    });

    it("with an authenticator app on, the link is the first factor only: mfa_required, then /auth/2fa/verify gives the pair", async () => {
      await registerConfirmed(t.app, t.smtp, "gil@example.com", "correct horse");
      const session = await signIn(t.app, "gil@example.com", "correct horse");
      const { uri } = await (await t.app.request("/auth/2fa/totp", json({}, bearer(session.access_token)))).json();
      const code = () => URI.parse(uri).generate({ timestamp: clock.now });
      assert.equal((await t.app.request("/auth/2fa/totp/confirm", json({ code: code() }, bearer(session.access_token)))).status, 200);
      clock.now += 30_000;

      await ask("gil@example.com");
      const token = tokenIn(await t.smtp.waitFor("gil@example.com", /sign-in link/));
      const first = await verify(token);
      assert.equal(first.status, 200);
      const challenge = await first.json();
      assert.deepEqual(Object.keys(challenge).sort(), ["mfa_required", "mfa_token"], "no tokens before the second factor");
      assert.equal((await verify(token)).status, 400, "the link is spent by the first factor");
      const finished = await t.app.request("/auth/2fa/verify", json({ mfa_token: challenge.mfa_token, code: code() }));
      assert.equal(finished.status, 200);
      assert.deepEqual(claimsOf((await finished.json()).access_token).amr, ["mfa", "otp"]);
    });

    it("with the edits of docs/magic-links.md, a link to an unconfirmed address confirms it and signs in with the role guest", async () => {
      const app = await createTestApp({
        appDir: appWhereTheLinkConfirms(),
        database: t.database,
        env: { SMTP_URL: t.smtp.url, PUBLIC_URL },
        now: () => new Date(clock.now),
      });
      try {
        await register(app, "fay@example.com", "correct horse");
        assert.equal((await app.request("/auth/magic-link", json({ email: "fay@example.com" }))).status, 202);
        const token = tokenIn(await t.smtp.waitFor("fay@example.com", /sign-in link/));
        const res = await app.request("/auth/magic-link/verify", json({ token }));
        assert.equal(res.status, 200);
        assert.deepEqual(claimsOf((await res.json()).access_token).roles, ["guest"]);
        const user = await t.database.db
          .selectFrom("users")
          .select("confirmed_at")
          .where("email", "=", "fay@example.com")
          .executeTakeFirstOrThrow();
        assert.ok(user.confirmed_at, "the address is confirmed");
      } finally {
        await app.services.mailer.idle();
        await app.close();
      }
    });

    it("refuses a malformed address or token with a 400 that names the field", async () => {
      const badEmail = await ask("not-an-address");
      assert.equal(badEmail.status, 400);
      assert.match(JSON.stringify(await badEmail.json()), /email/);
      const badToken = await verify("short");
      assert.equal(badToken.status, 400);
      assert.match(JSON.stringify(await badToken.json()), /token/);
      assert.equal((await t.app.request("/auth/magic-link?token=<script>")).status, 400);
    });
  });
}
