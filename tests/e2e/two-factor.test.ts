import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { URI } from "otpauth";
import { hashRecoveryCode } from "../../src/auth/recovery-codes.ts";
import { claimsOf, login, me, refresh, registerConfirmed, type Session } from "../helpers/accounts.ts";
import { REPO_ROOT } from "../helpers/cli.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { useShippedApp } from "../helpers/shipped-app.ts";
import { bearer, createTestApp, json, tempDir } from "../helpers/test-app.ts";

const PASSWORD = "correct horse battery";
const STEP_MS = 30_000;

/** The shipped app plus an endpoint that demands a second factor (`mfa: true`) and one that checks a code. */
function appWithVault(): string {
  const dir = tempDir("trellis-2fa-");
  for (const part of ["endpoints", "actions", "roles.yaml", "trellis.yaml"]) {
    fs.cpSync(path.join(REPO_ROOT, part), path.join(dir, part), { recursive: true });
  }
  fs.writeFileSync(
    path.join(dir, "endpoints", "vault.get.yaml"),
    'allow: authenticated\nmfa: true\nresponse:\n  body: { secret: "the vault is open" }\n',
  );
  // totp-verify in an endpoint of the app's own: a step-up check.
  fs.writeFileSync(
    path.join(dir, "endpoints", "step-up.post.yaml"),
    'allow: authenticated\ninput:\n  body:\n    code: { type: string, maxLength: 32 }\nsteps:\n  - totp-verify: { user: "${auth.sub}", code: "${body.code}" }\n',
  );
  return dir;
}

for (const target of databaseTargets()) {
  describe(`two-factor sign-in with an authenticator app (${target.name})`, () => {
    const t = useShippedApp(target, { appDir: appWithVault });
    const { clock } = t;

    const post = (route: string, body: unknown, token?: string) => t.app.request(route, json(body, token ? bearer(token) : {}));
    /** The code the user's app shows `steps` time steps from now, computed from the enrolment URI alone. */
    const codeOf = (uri: string, steps = 0) => URI.parse(uri).generate({ timestamp: clock.now + steps * STEP_MS });

    async function passwordSession(email: string): Promise<Session> {
      const res = await login(t.app, email, PASSWORD);
      assert.equal(res.status, 200);
      return res.json();
    }

    /** A confirmed user with an authenticator app turned on: its URI (the app's view) and recovery codes. */
    async function userWithApp(email: string) {
      await registerConfirmed(t.app, t.smtp, email, PASSWORD);
      const session = await passwordSession(email);
      const enrolled = await post("/auth/2fa/totp", {}, session.access_token);
      assert.equal(enrolled.status, 200);
      const { uri, qr, secret } = await enrolled.json();
      const confirmed = await post("/auth/2fa/totp/confirm", { code: codeOf(uri) }, session.access_token);
      assert.equal(confirmed.status, 200);
      const { recovery_codes } = await confirmed.json();
      // The code confirming the app is spent: the next one the tests send is of the next step.
      clock.now += STEP_MS;
      return { uri, qr, secret, recovery_codes: recovery_codes as string[], session };
    }

    async function mfaToken(email: string): Promise<string> {
      const res = await login(t.app, email, PASSWORD);
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.equal(body.mfa_required, true);
      return body.mfa_token;
    }

    const verify = (mfa_token: string, code: string) => post("/auth/2fa/verify", { mfa_token, code });

    it("enrols, confirms with a code from the URI, then login asks for a code and verify gives tokens with amr mfa", async () => {
      await registerConfirmed(t.app, t.smtp, "ann@example.com", PASSWORD);
      const session = await passwordSession("ann@example.com");
      assert.deepEqual(claimsOf(session.access_token).amr, ["pwd"]);

      const enrolled = await post("/auth/2fa/totp", {}, session.access_token);
      assert.equal(enrolled.status, 200);
      assert.equal(enrolled.headers.get("cache-control"), "no-store");
      const { uri, qr, secret } = await enrolled.json();
      const parsed = URI.parse(uri);
      assert.match(uri, /^otpauth:\/\/totp\//);
      assert.equal(parsed.secret.base32, secret);
      assert.equal(parsed.issuer, "trellis");
      assert.equal((parsed as { label: string }).label, "ann@example.com");
      assert.match(qr, /^data:image\/svg\+xml;base64,/);
      assert.match(Buffer.from(qr.split(",")[1], "base64").toString(), /^<svg /);
      // Not on until confirmed: the password alone still signs in.
      assert.ok("access_token" in (await (await login(t.app, "ann@example.com", PASSWORD)).json()));

      const confirmed = await post("/auth/2fa/totp/confirm", { code: codeOf(uri) }, session.access_token);
      assert.equal(confirmed.status, 200);
      const { recovery_codes } = await confirmed.json();
      assert.equal(recovery_codes.length, 10);
      assert.equal(new Set(recovery_codes).size, 10);

      clock.now += STEP_MS;
      const res = await login(t.app, "ann@example.com", PASSWORD);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("cache-control"), "no-store");
      const body = await res.json();
      assert.deepEqual(Object.keys(body).sort(), ["mfa_required", "mfa_token"]);
      assert.equal(body.mfa_required, true);

      const verified = await verify(body.mfa_token, codeOf(uri));
      assert.equal(verified.status, 200);
      assert.equal(verified.headers.get("cache-control"), "no-store");
      const pair = await verified.json();
      assert.equal(pair.token_type, "Bearer");
      assert.equal(pair.expires_in, 900);
      assert.deepEqual(claimsOf(pair.access_token).amr, ["mfa", "otp"]);
      assert.deepEqual(claimsOf(pair.access_token).roles, ["guest"]);
      const who = await me(t.app, pair);
      assert.equal(who.status, 200);
      assert.equal((await who.json()).email, "ann@example.com");
      // The mfa_token is good once.
      clock.now += STEP_MS;
      assert.equal((await verify(body.mfa_token, codeOf(uri))).status, 400);
    });

    it("a user without a second factor gets exactly the usual token pair", async () => {
      await registerConfirmed(t.app, t.smtp, "plain@example.com", PASSWORD);
      const body = await (await login(t.app, "plain@example.com", PASSWORD)).json();
      assert.deepEqual(Object.keys(body).sort(), ["access_token", "expires_in", "refresh_token", "token_type"]);
    });

    it("a code used once is refused again (replay), and so is a code of an earlier step", async () => {
      const { uri } = await userWithApp("replay@example.com");
      const code = codeOf(uri);
      assert.equal((await verify(await mfaToken("replay@example.com"), code)).status, 200);
      const replayed = await verify(await mfaToken("replay@example.com"), code);
      assert.equal(replayed.status, 401);
      assert.equal((await replayed.json()).error.code, "invalid_code");
      // The step before is still within the window of ±1 step, but it is older than the one used.
      assert.equal((await verify(await mfaToken("replay@example.com"), codeOf(uri, -1))).status, 401);
    });

    it("of two requests sent at once with the same code, one passes and the other is refused", async () => {
      const { uri, session } = await userWithApp("race@example.com");
      const code = codeOf(uri);
      const both = await Promise.all([1, 2].map(() => post("/step-up", { code }, session.access_token)));
      assert.deepEqual(both.map((res) => res.status).sort(), [204, 401]);
    });

    it("a new sign-in replaces the earlier ticket", async () => {
      const { uri } = await userWithApp("twice-in@example.com");
      const first = await mfaToken("twice-in@example.com");
      const second = await mfaToken("twice-in@example.com");
      assert.equal((await verify(first, codeOf(uri))).status, 400);
      assert.equal((await verify(second, codeOf(uri))).status, 200);
    });

    it("a code from the wrong time is refused; one step off either way is taken", async () => {
      const { uri } = await userWithApp("clock@example.com");
      for (const steps of [-4, 3, 20]) {
        assert.equal((await verify(await mfaToken("clock@example.com"), codeOf(uri, steps))).status, 401, `${steps} steps off`);
      }
      assert.equal((await verify(await mfaToken("clock@example.com"), codeOf(uri, 1))).status, 200);
    });

    it("a recovery code works once and fails the second time", async () => {
      const { recovery_codes } = await userWithApp("lost@example.com");
      const [first] = recovery_codes;
      assert.match(first ?? "", /^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
      const res = await verify(await mfaToken("lost@example.com"), (first ?? "").toLowerCase());
      assert.equal(res.status, 200);
      assert.deepEqual(claimsOf((await res.json()).access_token).amr, ["mfa", "otp"]);
      const again = await verify(await mfaToken("lost@example.com"), first ?? "");
      assert.equal(again.status, 401);
      assert.equal((await again.json()).error.code, "invalid_code");
    });

    it("after 5 wrong codes every code is 429 with Retry-After, even the right one, until the window passes", async () => {
      const { uri } = await userWithApp("guess@example.com");
      const ticket = await mfaToken("guess@example.com");
      for (let i = 0; i < 5; i++) assert.equal((await verify(ticket, String(100000 + i))).status, 401);
      const locked = await verify(ticket, codeOf(uri));
      assert.equal(locked.status, 429);
      assert.equal((await locked.json()).error.code, "too_many_requests");
      const retryAfter = Number(locked.headers.get("retry-after"));
      assert.ok(retryAfter > 0 && retryAfter <= 900, `Retry-After ${retryAfter}`);
      // The count is per user: a fresh ticket does not reset it.
      assert.equal((await verify(await mfaToken("guess@example.com"), codeOf(uri))).status, 429);
      clock.now += retryAfter * 1000 + 1000;
      assert.equal((await verify(await mfaToken("guess@example.com"), codeOf(uri))).status, 200);
    });

    it("guesses sent all at once are counted one after another: 5 are 401, the rest 429, and the right code then too", async () => {
      const { uri } = await userWithApp("rush@example.com");
      const ticket = await mfaToken("rush@example.com");
      const valid = new Set([-1, 0, 1].map((steps) => codeOf(uri, steps)));
      const wrong = Array.from({ length: 30 }, (_, i) => String(200000 + i * 7919)).filter((code) => !valid.has(code));
      const statuses = await Promise.all(wrong.slice(0, 20).map(async (code) => (await verify(ticket, code)).status));
      assert.deepEqual([statuses.filter((status) => status === 401).length, statuses.filter((status) => status === 429).length], [5, 15]);
      const hits = await t.database.db.selectFrom("rate_limit_hits").select("key").where("key", "like", "totp%").execute();
      assert.equal(hits.length, 5, "every wrong code judged was counted");
      assert.equal((await verify(ticket, codeOf(uri))).status, 429);
    });

    it("a wrong code leaves the mfa_token usable", async () => {
      const { uri } = await userWithApp("typo@example.com");
      const ticket = await mfaToken("typo@example.com");
      const wrong = codeOf(uri) === "000000" ? "111111" : "000000";
      assert.equal((await verify(ticket, wrong)).status, 401);
      assert.equal((await verify(ticket, codeOf(uri))).status, 200);
    });

    it("the secret is stored sealed: the row does not hold the base32 secret", async () => {
      const { secret } = await userWithApp("sealed@example.com");
      const rows = await t.database.db.selectFrom("totp_factors").selectAll().execute();
      assert.equal(rows.length, 1);
      const row = JSON.stringify(rows[0]);
      assert.ok(!row.includes(secret), "the plain secret is in the row");
      assert.ok(!row.toLowerCase().includes(secret.toLowerCase()));
      assert.match(rows[0]?.secret_sealed ?? "", /^v1\./);
      const codes = await t.database.db.selectFrom("totp_recovery_codes").select("code_hash").execute();
      assert.equal(codes.length, 10);
      for (const { code_hash } of codes) assert.match(code_hash, /^[0-9a-f]{64}$/);
    });

    it("refresh keeps the login's amr", async () => {
      const { uri } = await userWithApp("keep@example.com");
      const pair = await (await verify(await mfaToken("keep@example.com"), codeOf(uri))).json();
      const refreshed = await refresh(t.app, pair.refresh_token);
      assert.equal(refreshed.status, 200);
      const next = await refreshed.json();
      assert.deepEqual(claimsOf(next.access_token).amr, ["mfa", "otp"]);
      const again = await (await refresh(t.app, next.refresh_token)).json();
      assert.deepEqual(claimsOf(again.access_token).amr, ["mfa", "otp"]);
      await registerConfirmed(t.app, t.smtp, "pwd@example.com", PASSWORD);
      const plain = await passwordSession("pwd@example.com");
      assert.deepEqual(claimsOf((await (await refresh(t.app, plain.refresh_token)).json()).access_token).amr, ["pwd"]);
    });

    it("an endpoint with mfa: true is 403 mfa_required for a password-only token and 200 for an mfa token", async () => {
      await registerConfirmed(t.app, t.smtp, "pwd-only@example.com", PASSWORD);
      const plain = await passwordSession("pwd-only@example.com");
      const refused = await t.app.request("/vault", { headers: bearer(plain.access_token) });
      assert.equal(refused.status, 403);
      const { error } = await refused.json();
      assert.equal(error.code, "mfa_required");
      assert.match(error.message, /second factor/);
      assert.equal((await t.app.request("/vault")).status, 401);

      const { uri } = await userWithApp("strong@example.com");
      const pair = await (await verify(await mfaToken("strong@example.com"), codeOf(uri))).json();
      const opened = await t.app.request("/vault", { headers: bearer(pair.access_token) });
      assert.equal(opened.status, 200);
      assert.deepEqual(await opened.json(), { secret: "the vault is open" });
    });

    it("disabling needs a valid code; then the password alone signs in again", async () => {
      const { uri, session, recovery_codes } = await userWithApp("off@example.com");
      const wrong = codeOf(uri) === "000000" ? "111111" : "000000";
      const refused = await post("/auth/2fa/totp/disable", { code: wrong }, session.access_token);
      assert.equal(refused.status, 401);
      assert.equal((await mfaToken("off@example.com")).length > 0, true);
      assert.equal((await post("/auth/2fa/totp/disable", { code: recovery_codes[3] }, session.access_token)).status, 204);
      const body = await (await login(t.app, "off@example.com", PASSWORD)).json();
      assert.ok("access_token" in body && !("mfa_required" in body));
      assert.equal((await t.database.db.selectFrom("totp_recovery_codes").selectAll().execute()).length, 0);
      // Off now: a code is refused, and the app can be enrolled again.
      assert.equal((await post("/auth/2fa/totp/disable", { code: codeOf(uri) }, session.access_token)).status, 409);
      assert.equal((await post("/auth/2fa/totp", {}, session.access_token)).status, 200);
    });

    it("turning the app on or off ends every other login and mails a notice; an admin reset ends them all", async () => {
      await registerConfirmed(t.app, t.smtp, "kai@example.com", PASSWORD);
      const elsewhere = await passwordSession("kai@example.com");
      const here = await passwordSession("kai@example.com");
      const { uri } = await (await post("/auth/2fa/totp", {}, here.access_token)).json();
      assert.equal((await post("/auth/2fa/totp/confirm", { code: codeOf(uri) }, here.access_token)).status, 200);
      await t.smtp.waitFor("kai@example.com", /Two-factor sign-in is on/);
      assert.equal((await refresh(t.app, elsewhere.refresh_token)).status, 401, "the other login ended");
      const kept = await refresh(t.app, here.refresh_token);
      assert.equal(kept.status, 200, "the login that turned it on goes on");
      const current = await kept.json();

      clock.now += STEP_MS;
      const ticket = await mfaToken("kai@example.com");
      const withFactor = await (await verify(ticket, codeOf(uri))).json();
      clock.now += STEP_MS;
      assert.equal((await post("/auth/2fa/totp/disable", { code: codeOf(uri) }, current.access_token)).status, 204);
      await t.smtp.waitFor("kai@example.com", /Two-factor sign-in is off/);
      assert.equal((await refresh(t.app, withFactor.refresh_token)).status, 401, "a login with amr mfa does not outlive the factor");
      assert.equal((await refresh(t.app, current.refresh_token)).status, 200);

      const { recovery_codes: _, session } = await userWithApp("lee@example.com");
      const id = claimsOf(session.access_token).sub as string;
      await registerConfirmed(t.app, t.smtp, "boss@example.com", PASSWORD);
      const bossId = (
        await t.database.db.selectFrom("users").select("id").where("email", "=", "boss@example.com").executeTakeFirstOrThrow()
      ).id;
      await t.database.db.insertInto("user_roles").values({ user_id: bossId, role: "admin" }).execute();
      const boss = await passwordSession("boss@example.com");
      assert.equal((await t.app.request(`/admin/users/${id}/2fa`, { method: "DELETE", headers: bearer(boss.access_token) })).status, 204);
      assert.equal((await refresh(t.app, session.refresh_token)).status, 401, "every login of the user ends at a reset");
    });

    it("of two confirms sent at once, one turns the app on, and only its recovery codes work", async () => {
      await registerConfirmed(t.app, t.smtp, "twin@example.com", PASSWORD);
      const session = await passwordSession("twin@example.com");
      const { uri } = await (await post("/auth/2fa/totp", {}, session.access_token)).json();
      const answers = await Promise.all(
        [0, 1].map(async () => {
          const res = await post("/auth/2fa/totp/confirm", { code: codeOf(uri) }, session.access_token);
          return { status: res.status, body: await res.json() };
        }),
      );
      const won = answers.filter((answer) => answer.status === 200);
      assert.equal(won.length, 1, JSON.stringify(answers.map((answer) => answer.status)));
      const stored = await t.database.db.selectFrom("totp_recovery_codes").select("code_hash").execute();
      assert.deepEqual(
        stored.map((row) => row.code_hash).sort(),
        ((won[0]?.body.recovery_codes ?? []) as string[]).map(hashRecoveryCode).sort(),
      );
    });

    it("enrolling again once the app is on is 409; confirming without an enrolment is 409", async () => {
      const { uri, session } = await userWithApp("twice@example.com");
      const again = await post("/auth/2fa/totp", {}, session.access_token);
      assert.equal(again.status, 409);
      assert.equal((await again.json()).error.code, "totp_already_enabled");
      // The app that is on still works.
      assert.equal((await verify(await mfaToken("twice@example.com"), codeOf(uri))).status, 200);
      await registerConfirmed(t.app, t.smtp, "none@example.com", PASSWORD);
      const other = await passwordSession("none@example.com");
      const confirm = await post("/auth/2fa/totp/confirm", { code: "123456" }, other.access_token);
      assert.equal(confirm.status, 409);
      assert.equal((await confirm.json()).error.code, "totp_not_enrolled");
    });

    it("a sign-in ticket of an account disabled since is refused with 403 account_disabled", async () => {
      const { uri } = await userWithApp("gone@example.com");
      const ticket = await mfaToken("gone@example.com");
      await t.database.db
        .updateTable("users")
        .set({ disabled_at: new Date(clock.now) })
        .where("email", "=", "gone@example.com")
        .execute();
      const res = await verify(ticket, codeOf(uri));
      assert.equal(res.status, 403);
      assert.equal((await res.json()).error.code, "account_disabled");
    });

    it("OpenAPI lists the two-factor endpoints with their answers, and notes mfa: true", async () => {
      const doc = await (await t.app.request("/openapi.json")).json();
      const verifyOp = doc.paths["/auth/2fa/verify"].post;
      assert.deepEqual(Object.keys(verifyOp.requestBody.content["application/json"].schema.properties).sort(), ["code", "mfa_token"]);
      assert.match(verifyOp.responses["401"].description, /invalid_code/);
      assert.match(verifyOp.responses["429"].description, /too_many_requests/);
      assert.match(verifyOp.responses["400"].description, /invalid_token/);
      for (const route of ["/auth/2fa/totp", "/auth/2fa/totp/confirm", "/auth/2fa/totp/disable"]) {
        assert.deepEqual(doc.paths[route].post.security, [{ bearerAuth: [] }], route);
      }
      assert.ok(doc.paths["/admin/users/{id}/2fa"].delete.responses["204"]);
      assert.match(doc.paths["/admin/users/{id}/2fa"].delete.description, /Allowed roles: admin/);
      const vault = doc.paths["/vault"].get;
      assert.match(vault.description, /Second factor required/);
      assert.match(vault.responses["403"].description, /mfa_required/);
      assert.equal(doc.paths["/auth/me"].get.responses["403"], undefined);
    });

    it("in production without ENCRYPTION_KEY, the app serves and warns, and two-factor answers 503; a malformed key stops the start; a key is never printed", async () => {
      const start = (env: Record<string, string>, logs: string[] = []) =>
        createTestApp({ appDir: REPO_ROOT, database: t.database, env: { NODE_ENV: "production", SMTP_URL: t.smtp.url, ...env }, logs });
      const warnings: string[] = [];
      const keyless = await start({}, warnings);
      try {
        assert.match(warnings.join("\n"), /ENCRYPTION_KEY is not set/);
        await registerConfirmed(keyless, t.smtp, "keyless@example.com", PASSWORD);
        const session = await (await login(keyless, "keyless@example.com", PASSWORD)).json();
        assert.ok(session.access_token, "password sign-in works without the key");
        const enrol = await keyless.request("/auth/2fa/totp", json({}, bearer(session.access_token)));
        assert.equal(enrol.status, 503);
        assert.equal((await enrol.json()).error.code, "encryption_key_missing");
        assert.equal(await t.database.db.selectFrom("totp_factors").select("user_id").executeTakeFirst(), undefined, "nothing stored");
      } finally {
        await keyless.close();
      }
      await assert.rejects(start({ ENCRYPTION_KEY: "too-short" }), /ENCRYPTION_KEY must be 32 bytes/);
      const key = randomBytes(32).toString("base64");
      const logs: string[] = [];
      const started = await start({ ENCRYPTION_KEY: key }, logs);
      await started.close();
      const hex = randomBytes(32).toString("hex");
      await (await start({ ENCRYPTION_KEY: hex }, logs)).close();
      assert.ok(!logs.join("\n").includes(key) && !logs.join("\n").includes(hex));
    });

    it("an admin resets a user's second factor and the user signs in with the password alone; a guest cannot", async () => {
      const { session: victim } = await userWithApp("reset@example.com");
      const id = claimsOf(victim.access_token).sub as string;
      await registerConfirmed(t.app, t.smtp, "root@example.com", PASSWORD);
      const rootId = (
        await t.database.db.selectFrom("users").select("id").where("email", "=", "root@example.com").executeTakeFirstOrThrow()
      ).id;
      await t.database.db.insertInto("user_roles").values({ user_id: rootId, role: "admin" }).execute();
      const admin = await passwordSession("root@example.com");
      await registerConfirmed(t.app, t.smtp, "guest@example.com", PASSWORD);
      const guest = await passwordSession("guest@example.com");

      const shown = await (await t.app.request(`/admin/users/${id}`, { headers: bearer(admin.access_token) })).json();
      assert.equal(shown.two_factor, true);
      const byGuest = await t.app.request(`/admin/users/${id}/2fa`, { method: "DELETE", headers: bearer(guest.access_token) });
      assert.equal(byGuest.status, 403);
      assert.equal((await mfaToken("reset@example.com")).length > 0, true);

      const reset = await t.app.request(`/admin/users/${id}/2fa`, { method: "DELETE", headers: bearer(admin.access_token) });
      assert.equal(reset.status, 204);
      const body = await (await login(t.app, "reset@example.com", PASSWORD)).json();
      assert.ok("access_token" in body && !("mfa_required" in body));
      const log = await t.database.db.selectFrom("log").select(["event", "user_id"]).where("event", "=", "totp.reset").execute();
      assert.deepEqual(log, [{ event: "totp.reset", user_id: rootId }]);
    });
  });
}
