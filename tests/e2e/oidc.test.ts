import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { URI } from "otpauth";
import { pruneFlows } from "../../src/auth/oidc/oidc-flows.ts";
import type { TrellisApp } from "../../src/create-app.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { claimsOf, me, refresh, registerConfirmed } from "../helpers/accounts.ts";
import { REPO_ROOT } from "../helpers/cli.ts";
import { databaseTargets, resetDatabase } from "../helpers/databases.ts";
import { APP_VERIFIER, beginSignIn, challengeOf, newVerifier, pathOf, startPath } from "../helpers/oidc-browser.ts";
import { startIssuer, type TestIssuer } from "../helpers/oidc-issuer.ts";
import { countRows } from "../helpers/rows.ts";
import { PUBLIC_URL, START_OF_TESTS } from "../helpers/shipped-app.ts";
import { startSmtp, type TestSmtp } from "../helpers/smtp.ts";
import { bearer, createTestApp, json, tempDir } from "../helpers/test-app.ts";

const SIGNED_IN = "https://app.example.com/signed-in";
const callbackOf = (provider: string) => `${PUBLIC_URL}/auth/oidc/${provider}/callback`;
const CLIENT = {
  client_id: "trellis-test",
  client_secret: "a client secret that only the test provider and the app know",
  redirect_uris: ["example", "strict", "github"].map(callbackOf),
};

/** The repo's app (its endpoints, actions and roles) with a trellis.yaml whose providers are the test issuer. */
function appWithProviders(issuer: TestIssuer): string {
  const dir = tempDir("trellis-oidc-");
  for (const part of ["endpoints", "actions", "roles.yaml"])
    fs.cpSync(path.join(REPO_ROOT, part), path.join(dir, part), { recursive: true });
  fs.writeFileSync(
    path.join(dir, "endpoints", "cookie-echo.get.yaml"),
    'allow: public\nresponse:\n  body: { one: "${request.cookies.trellis_oidc_state}", request: "${request}" }\n',
  );
  fs.writeFileSync(
    path.join(dir, "trellis.yaml"),
    `oidc:
  redirect_allow: [${SIGNED_IN}, http://localhost:5173/signed-in]
  providers:
    example:
      issuer: ${issuer.url}
      client_id: ${CLIENT.client_id}
      client_secret_env: EXAMPLE_CLIENT_SECRET
      users: create
    strict:
      issuer: ${issuer.url}
      client_id: ${CLIENT.client_id}
      client_secret_env: EXAMPLE_CLIENT_SECRET
      users: link
    github:
      authorization_endpoint: ${issuer.url}/auth
      token_endpoint: ${issuer.url}/token
      userinfo_endpoint: ${issuer.url}/github/user
      emails_endpoint: ${issuer.url}/github/user/emails
      client_id: ${CLIENT.client_id}
      client_secret_env: EXAMPLE_CLIENT_SECRET
      scopes: [read:user, user:email]
      users: create
    unset:
      issuer: ${issuer.url}
      client_id: ${CLIENT.client_id}
      client_secret_env: NOT_SET_ANYWHERE
`,
  );
  return dir;
}

for (const target of databaseTargets()) {
  describe(`sign-in with OpenID Connect and OAuth 2 providers (${target.name})`, () => {
    const clock = { now: START_OF_TESTS };
    let database: DatabaseHandle;
    let smtp: TestSmtp;
    let issuer: TestIssuer;
    let app: TrellisApp;
    let appDir: string;

    before(async () => {
      database = await target.open();
      smtp = await startSmtp();
      issuer = await startIssuer([CLIENT]);
      appDir = appWithProviders(issuer);
      app = await createTestApp({
        appDir,
        database,
        env: { SMTP_URL: smtp.url, PUBLIC_URL, EXAMPLE_CLIENT_SECRET: CLIENT.client_secret },
        now: () => new Date(clock.now),
      });
    });
    after(async () => {
      await app.close();
      await issuer.close();
      await smtp.close();
      await database.close();
    });
    beforeEach(async () => {
      await app.services.mailer.idle();
      await resetDatabase(database);
      smtp.clear();
      clock.now = START_OF_TESTS;
      issuer.accounts.clear();
      issuer.githubEmails.clear();
    });

    const account = (id: string, email: string, email_verified = true) => {
      issuer.accounts.set(id, { email, email_verified, name: `Name of ${id}` });
      issuer.signInAs = id;
    };
    const callback = (url: URL, cookie: Record<string, string>) => app.request(pathOf(url), { headers: cookie });
    const codeIn = (res: Response) => new URL(res.headers.get("location") ?? "").searchParams.get("code") ?? "";
    const trade = (code: string, code_verifier = APP_VERIFIER) => app.request("/auth/oidc/token", json({ code, code_verifier }));
    const count = (table: "users" | "identities" | "oidc_flows") => countRows(database.db, table);
    const events = async () => (await database.db.selectFrom("log").select("event").orderBy("id").execute()).map((row) => row.event);

    /** The whole browser flow: app → provider → callback; returns the callback's answer. */
    async function signIn(provider: string, redirectTo = SIGNED_IN): Promise<Response> {
      const flow = await beginSignIn(app, provider, redirectTo, PUBLIC_URL);
      return callback(flow.callback, flow.jar.header());
    }

    it("amr [fed] survives a refresh; with an authenticator app on, the token endpoint asks for the second factor", async () => {
      account("acct-mfa", "mia@example.com");
      const session = await (await trade(codeIn(await signIn("example")))).json();
      const renewed = await (await refresh(app, session.refresh_token)).json();
      assert.deepEqual(claimsOf(renewed.access_token).amr, ["fed"]);

      const { uri } = await (await app.request("/auth/2fa/totp", json({}, bearer(renewed.access_token)))).json();
      const code = () => URI.parse(uri).generate({ timestamp: clock.now });
      assert.equal((await app.request("/auth/2fa/totp/confirm", json({ code: code() }, bearer(renewed.access_token)))).status, 200);
      clock.now += 30_000;
      const challenge = await trade(codeIn(await signIn("example")));
      assert.equal(challenge.status, 200);
      const body = await challenge.json();
      assert.deepEqual(Object.keys(body).sort(), ["mfa_required", "mfa_token"], "no tokens before the second factor");
      const finished = await app.request("/auth/2fa/verify", json({ mfa_token: body.mfa_token, code: code() }));
      assert.equal(finished.status, 200);
      assert.deepEqual(claimsOf((await finished.json()).access_token).amr, ["mfa", "otp"]);
    });

    it("a new user (users: create): redirect with state, nonce and PKCE, then callback → code → token pair → /auth/me", async () => {
      account("acct-1", "Ada@Example.com");
      const flow = await beginSignIn(app, "example", SIGNED_IN, PUBLIC_URL);
      const authorize = flow.authorizationUrl;
      assert.equal(authorize.origin, issuer.url);
      assert.equal(authorize.searchParams.get("redirect_uri"), callbackOf("example"));
      assert.equal(authorize.searchParams.get("code_challenge_method"), "S256");
      assert.ok(authorize.searchParams.get("nonce"), "an issuer gets a nonce");
      assert.equal(authorize.searchParams.get("scope"), "openid email profile");
      const setCookie = flow.start.headers.get("set-cookie") ?? "";
      assert.match(
        setCookie,
        /^trellis_oidc_state=[A-Za-z0-9_-]{43}; Path=\/auth\/oidc\/example\/callback; HttpOnly; SameSite=Lax; Max-Age=600$/,
      );
      assert.equal(flow.jar.get("trellis_oidc_state"), authorize.searchParams.get("state"));
      assert.equal(flow.start.headers.get("cache-control"), "no-store");
      const stored = await database.db.selectFrom("oidc_flows").selectAll().executeTakeFirstOrThrow();
      assert.notEqual(stored.state_hash, authorize.searchParams.get("state"), "the state is stored only as a hash");

      const res = await callback(flow.callback, flow.jar.header());
      assert.equal(res.status, 302, await res.clone().text());
      const location = new URL(res.headers.get("location") ?? "");
      assert.equal(`${location.origin}${location.pathname}`, SIGNED_IN);
      assert.match(
        res.headers.get("set-cookie") ?? "",
        /^trellis_oidc_state=; Path=\/auth\/oidc\/example\/callback; HttpOnly; SameSite=Lax; Max-Age=0$/,
      );
      assert.equal(await count("oidc_flows"), 0, "the flow is spent");

      const pair = await trade(codeIn(res));
      assert.equal(pair.status, 200);
      assert.equal(pair.headers.get("cache-control"), "no-store");
      const session = await pair.json();
      assert.equal(session.token_type, "Bearer");
      assert.deepEqual(claimsOf(session.access_token).amr, ["fed"]);
      const user = await (await me(app, session)).json();
      assert.equal(user.email, "ada@example.com");
      assert.equal(user.confirmed, true);
      assert.deepEqual(user.roles, ["guest"]);
      assert.equal(user.name, "Name of acct-1");
      const identity = await database.db.selectFrom("identities").selectAll().executeTakeFirstOrThrow();
      assert.deepEqual(
        [identity.provider, identity.subject, identity.email, identity.user_id],
        ["example", "acct-1", "ada@example.com", user.id],
      );
      assert.deepEqual(await events(), ["oidc.user_created", "oidc.login"]);

      const listed = await (await app.request("/auth/identities", { headers: { Authorization: `Bearer ${session.access_token}` } })).json();
      assert.deepEqual(
        listed.identities.map((entry: { provider: string; email: string }) => [entry.provider, entry.email]),
        [["example", "ada@example.com"]],
      );
    });

    it("the code from the callback works once, and not after 2 minutes", async () => {
      account("acct-2", "bo@example.com");
      const code = codeIn(await signIn("example"));
      assert.equal((await trade(code)).status, 200);
      const again = await trade(code);
      assert.equal(again.status, 400);
      assert.equal((await again.json()).error.code, "invalid_token");

      const late = codeIn(await signIn("example"));
      clock.now += 121_000;
      assert.equal((await trade(late)).status, 400);
    });

    it("the code is bound to the app's verifier: another verifier is 400 invalid_token and leaves it usable; none is 400", async () => {
      account("acct-15", "pam@example.com");
      const flow = await beginSignIn(app, "example", SIGNED_IN, PUBLIC_URL, newVerifier());
      const stored = await database.db.selectFrom("oidc_flows").select("app_challenge").executeTakeFirstOrThrow();
      assert.equal(stored.app_challenge, challengeOf(flow.verifier), "the flow keeps the app's challenge");
      const code = codeIn(await callback(flow.callback, flow.jar.header()));
      const issued = await database.db.selectFrom("one_time_tokens").select("challenge").executeTakeFirstOrThrow();
      assert.equal(issued.challenge, challengeOf(flow.verifier), "the code is issued bound to it");

      const wrong = await trade(code, newVerifier());
      assert.equal(wrong.status, 400);
      assert.equal((await wrong.json()).error.code, "invalid_token");
      const missing = await app.request("/auth/oidc/token", json({ code }));
      assert.equal(missing.status, 400);
      assert.equal((await missing.json()).error.code, "validation_failed");
      const plain = await trade(code, challengeOf(flow.verifier));
      assert.equal(plain.status, 400, "the challenge itself is no verifier");
      assert.equal((await plain.json()).error.code, "invalid_token");
      const malformed = await trade(code, "short");
      assert.equal((await malformed.json()).error.code, "validation_failed");

      const right = await trade(code, flow.verifier);
      assert.equal(right.status, 200, "a wrong verifier did not spend the code");
      assert.equal((await trade(code, flow.verifier)).status, 400, "and the right one spends it, once");
    });

    it("login CSRF: the attacker's code, planted on the victim's app, is refused with the victim's verifier", async () => {
      // The attacker signs in with their own account, and stops before following the callback's redirect.
      account("acct-attacker", "mallory@example.com");
      const attacker = await beginSignIn(app, "example", SIGNED_IN, PUBLIC_URL, newVerifier());
      const planted = codeIn(await callback(attacker.callback, attacker.jar.header()));
      // The victim's front end holds its own verifier (it started a sign-in, or never did) and trades the code it is sent.
      const victimVerifier = newVerifier();
      const res = await trade(planted, victimVerifier);
      assert.equal(res.status, 400);
      assert.equal((await res.json()).error.code, "invalid_token");
      const sessions = await database.db.selectFrom("refresh_tokens").select("id").execute();
      assert.equal(sessions.length, 0, "nobody was signed in to the attacker's account");
      assert.equal((await trade(planted, attacker.verifier)).status, 200, "control: it is the binding that refused it");
    });

    it("a start without code_challenge, or with one that is not S256, is 400 validation_failed: no redirect, no cookie, no flow", async () => {
      const base = `/auth/oidc/example?redirect_to=${encodeURIComponent(SIGNED_IN)}`;
      for (const query of ["", "&code_challenge=", `&code_challenge=${APP_VERIFIER}`, `&code_challenge=${"a".repeat(42)}`]) {
        const res = await app.request(`${base}${query}`);
        assert.equal(res.status, 400, query);
        const body = await res.json();
        assert.equal(body.error.code, "validation_failed", query);
        assert.equal(res.headers.get("location"), null);
        assert.equal(res.headers.get("set-cookie"), null);
      }
      assert.equal(await count("oidc_flows"), 0);
    });

    it("a second sign-in finds the stored identity: the same user, no new identity, its last sign-in moved on", async () => {
      account("acct-3", "cy@example.com");
      assert.equal((await signIn("example")).status, 302);
      const first = await database.db.selectFrom("identities").selectAll().executeTakeFirstOrThrow();
      clock.now += 60_000;
      const res = await signIn("example");
      assert.equal(res.status, 302);
      const session = await (await trade(codeIn(res))).json();
      assert.equal(claimsOf(session.access_token).sub, first.user_id);
      assert.equal(await count("users"), 1);
      assert.equal(await count("identities"), 1);
      const second = await database.db.selectFrom("identities").selectAll().executeTakeFirstOrThrow();
      assert.equal(second.last_sign_in_at.getTime(), START_OF_TESTS + 60_000);
      assert.deepEqual(await events(), ["oidc.user_created", "oidc.login", "oidc.login"]);
    });

    it("a new identity with a verified email joins the confirmed user of that email (users: link)", async () => {
      await registerConfirmed(app, smtp, "dee@example.com", "correct horse");
      const existing = await database.db.selectFrom("users").select("id").executeTakeFirstOrThrow();
      account("acct-4", "DEE@example.com");
      const res = await signIn("strict");
      assert.equal(res.status, 302, await res.clone().text());
      const session = await (await trade(codeIn(res))).json();
      assert.equal(claimsOf(session.access_token).sub, existing.id);
      assert.deepEqual(claimsOf(session.access_token).roles, ["guest"]);
      assert.equal(await count("users"), 1);
      const identity = await database.db.selectFrom("identities").selectAll().executeTakeFirstOrThrow();
      assert.equal(identity.user_id, existing.id);
      assert.ok((await events()).includes("oidc.linked"));
    });

    it("users: link with no user of that email is refused, and nothing is made", async () => {
      account("acct-5", "nobody@example.com");
      const res = await signIn("strict");
      assert.equal(res.status, 403);
      assert.equal((await res.json()).error.code, "account_not_found");
      assert.equal(await count("users"), 0);
      assert.equal(await count("identities"), 0);
      assert.ok((await events()).includes("oidc.failed"));
    });

    it("an unverified email is refused: not joined to the user who has it, and no user made", async () => {
      await registerConfirmed(app, smtp, "eve@example.com", "correct horse");
      account("acct-6", "eve@example.com", false);
      const res = await signIn("example");
      assert.equal(res.status, 403);
      assert.equal((await res.json()).error.code, "email_not_verified");
      assert.equal(await count("identities"), 0);
      assert.equal(await count("users"), 1);
      const failure = await database.db.selectFrom("log").select("data").where("event", "=", "oidc.failed").executeTakeFirstOrThrow();
      assert.deepEqual(failure.data, { provider: "example", code: "email_not_verified" });
    });

    it("an unconfirmed account with the email is not joined (someone may have registered an address they do not own)", async () => {
      assert.equal((await app.request("/auth/register", json({ email: "fay@example.com", password: "correct horse" }))).status, 202);
      account("acct-7", "fay@example.com");
      const res = await signIn("example");
      assert.equal(res.status, 403);
      assert.equal((await res.json()).error.code, "account_unconfirmed");
      assert.equal(await count("identities"), 0);
    });

    it("a wrong state, or a callback in a browser without the state cookie, is refused and creates nothing", async () => {
      account("acct-8", "gus@example.com");
      const flow = await beginSignIn(app, "example", SIGNED_IN, PUBLIC_URL);
      const forged = new URL(flow.callback);
      forged.searchParams.set("state", "a-state-this-browser-never-got-aaaaaaaaaaaa");
      const wrong = await callback(forged, flow.jar.header());
      assert.equal(wrong.status, 400);
      assert.equal((await wrong.json()).error.code, "invalid_state");
      const elsewhere = await callback(flow.callback, {});
      assert.equal(elsewhere.status, 400, "login CSRF: another browser, sent the callback URL, has no cookie");
      assert.equal((await elsewhere.json()).error.code, "invalid_state");
      assert.equal(wrong.headers.get("location"), null);
      assert.equal(await count("users"), 0);
      assert.equal(await count("identities"), 0);
    });

    it("a callback used twice, or after the flow expired, is refused", async () => {
      account("acct-9", "hal@example.com");
      const flow = await beginSignIn(app, "example", SIGNED_IN, PUBLIC_URL);
      assert.equal((await callback(flow.callback, flow.jar.header())).status, 302);
      const replay = await callback(flow.callback, flow.jar.header());
      assert.equal(replay.status, 400);
      assert.equal((await replay.json()).error.code, "invalid_state");

      const slow = await beginSignIn(app, "example", SIGNED_IN, PUBLIC_URL);
      const fresh = await beginSignIn(app, "example", SIGNED_IN, PUBLIC_URL);
      clock.now += 601_000;
      await pruneFlows(database.db, new Date(clock.now - 300_000));
      assert.equal(await count("oidc_flows"), 2, "the hourly purge keeps flows that have not expired");
      await pruneFlows(database.db, new Date(clock.now));
      assert.equal(await count("oidc_flows"), 0, "and deletes the ones nobody came back for");
      assert.equal((await callback(fresh.callback, fresh.jar.header())).status, 400);
      const late = await callback(slow.callback, slow.jar.header());
      assert.equal(late.status, 400);
      assert.equal((await late.json()).error.code, "invalid_state");
    });

    it("a wrong nonce in the ID token is refused, the flow is spent, and no user is made", async () => {
      account("acct-10", "ida@example.com");
      const flow = await beginSignIn(app, "example", SIGNED_IN, PUBLIC_URL);
      await database.db.updateTable("oidc_flows").set({ nonce: "not-the-nonce-the-provider-was-given" }).execute();
      const res = await callback(flow.callback, flow.jar.header());
      assert.equal(res.status, 401);
      assert.equal((await res.json()).error.code, "oidc_sign_in_failed");
      assert.equal(await count("users"), 0);
      assert.equal(await count("oidc_flows"), 0);
      const failure = await database.db.selectFrom("log").select("data").where("event", "=", "oidc.failed").executeTakeFirstOrThrow();
      assert.equal(failure.data.code, "oidc_sign_in_failed");
    });

    it("a wrong PKCE verifier or a tampered code is refused by the provider: 401, no user", async () => {
      account("acct-13", "ned@example.com");
      const flow = await beginSignIn(app, "example", SIGNED_IN, PUBLIC_URL);
      await database.db
        .updateTable("oidc_flows")
        .set({ code_verifier: "a".repeat(43) })
        .execute();
      const wrongVerifier = await callback(flow.callback, flow.jar.header());
      assert.equal(wrongVerifier.status, 401);
      assert.equal((await wrongVerifier.json()).error.code, "oidc_sign_in_failed");

      const second = await beginSignIn(app, "example", SIGNED_IN, PUBLIC_URL);
      const tampered = new URL(second.callback);
      tampered.searchParams.set("code", `${tampered.searchParams.get("code")}x`);
      const wrongCode = await callback(tampered, second.jar.header());
      assert.equal(wrongCode.status, 401);
      assert.equal(await count("users"), 0);
    });

    it("the provider's refusal (error=access_denied) is 400 provider_refused and spends the flow", async () => {
      const start = await app.request(startPath("example", SIGNED_IN));
      const state = new URL(start.headers.get("location") ?? "").searchParams.get("state") ?? "";
      const cookie = { Cookie: `trellis_oidc_state=${state}` };
      const res = await app.request(`/auth/oidc/example/callback?error=access_denied&state=${state}`, { headers: cookie });
      assert.equal(res.status, 400);
      const body = await res.json();
      assert.equal(body.error.code, "provider_refused");
      assert.equal(body.error.details.provider_error, "access_denied");
      assert.equal(await count("oidc_flows"), 0);
    });

    it("a redirect_to outside the allow-list is 400 before anything: no redirect, no cookie, no flow", async () => {
      for (const target of ["https://evil.example.com/signed-in", `${SIGNED_IN}/../x`, `${SIGNED_IN}?next=x`, "//evil.example.com"]) {
        const res = await app.request(startPath("example", target));
        assert.equal(res.status, 400, target);
        assert.equal((await res.json()).error.code, "redirect_not_allowed");
        assert.equal(res.headers.get("location"), null);
        assert.equal(res.headers.get("set-cookie"), null);
      }
      assert.equal(await count("oidc_flows"), 0);
      assert.equal((await app.request(startPath("example", "http://localhost:5173/signed-in"))).status, 302);
    });

    it("an unknown provider is 404, one whose secret is not set 503", async () => {
      const unknown = await app.request(startPath("nope", SIGNED_IN));
      assert.equal(unknown.status, 404);
      assert.equal((await unknown.json()).error.code, "unknown_provider");
      const unset = await app.request(startPath("unset", SIGNED_IN));
      assert.equal(unset.status, 503);
      const body = await unset.json();
      assert.equal(body.error.code, "provider_not_configured");
      assert.match(body.error.message, /NOT_SET_ANYWHERE/);
      assert.equal((await app.request("/auth/oidc/nope/callback?state=x&code=y")).status, 404);
    });

    it("a missing client secret stops a production start, and is a warning naming the variable in development", async () => {
      const env = { SMTP_URL: smtp.url, PUBLIC_URL, NODE_ENV: "production", EXAMPLE_CLIENT_SECRET: CLIENT.client_secret };
      await assert.rejects(createTestApp({ appDir, database, env }), (error: Error) => {
        assert.match(error.message, /NOT_SET_ANYWHERE is not set: trellis.yaml's oidc provider "unset"/);
        assert.doesNotMatch(error.message, /EXAMPLE_CLIENT_SECRET/);
        return true;
      });
      const logs: string[] = [];
      const development = await createTestApp({ appDir, database, env: { ...env, NODE_ENV: "development" }, logs });
      await development.close();
      const warnings = logs.filter((line) => line.includes("NOT_SET_ANYWHERE"));
      assert.equal(warnings.length, 1);
      assert.ok(!logs.some((line) => line.includes(CLIENT.client_secret)), "the secret is never logged");
    });

    it("the OpenAPI document lists the sign-in endpoints with their redirects and errors", async () => {
      const doc = await (await app.request("/openapi.json")).json();
      const start = doc.paths["/auth/oidc/{provider}"].get.responses;
      assert.ok(start["302"].headers.Location);
      assert.match(start["400"].description, /redirect_not_allowed/);
      assert.match(start["404"].description, /unknown_provider/);
      const back = doc.paths["/auth/oidc/{provider}/callback"].get.responses;
      assert.match(back["400"].description, /invalid_state/);
      assert.match(back["403"].description, /email_not_verified/);
      const challenge = doc.paths["/auth/oidc/{provider}"].get.parameters.find((p: { name: string }) => p.name === "code_challenge");
      assert.equal(challenge.required, true);
      assert.equal(challenge.schema.pattern, "^[A-Za-z0-9_-]{43}$");
      const token = doc.paths["/auth/oidc/token"].post;
      assert.ok(token.responses["200"]);
      const tokenBody = token.requestBody.content["application/json"].schema;
      assert.deepEqual(tokenBody.required.sort(), ["code", "code_verifier"]);
      assert.ok(doc.paths["/auth/identities"].get.responses["401"]);
    });

    it("${request.cookies.name} reads a cookie; ${request} as a whole leaves the cookies out", async () => {
      const res = await app.request("/cookie-echo", { headers: { Cookie: "session=secret-session; trellis_oidc_state=abc" } });
      const body = await res.json();
      assert.equal(body.one, "abc");
      assert.deepEqual(Object.keys(body.request).sort(), ["ip", "method", "path", "user_agent"]);
      assert.doesNotMatch(JSON.stringify(body), /secret-session/);
    });

    it("with no providers in trellis.yaml the endpoints still load, and any provider is 404 unknown_provider", async () => {
      const plain = await createTestApp({ appDir: REPO_ROOT, database, env: { SMTP_URL: smtp.url, PUBLIC_URL } });
      try {
        const res = await plain.request(startPath("nope", SIGNED_IN));
        assert.equal(res.status, 404);
        assert.equal((await res.json()).error.code, "unknown_provider");
        assert.equal((await plain.request("/auth/oidc/nope/callback?code=x&state=y")).status, 404);
      } finally {
        await plain.close();
      }
    });

    it("a flow begun on one instance finishes on another: it is kept in the database", async () => {
      account("acct-12", "max@example.com");
      const env = { SMTP_URL: smtp.url, PUBLIC_URL, EXAMPLE_CLIENT_SECRET: CLIENT.client_secret };
      const other = await createTestApp({ appDir, database, env, now: () => new Date(clock.now) });
      try {
        const flow = await beginSignIn(app, "example", SIGNED_IN, PUBLIC_URL);
        const res = await other.request(pathOf(flow.callback), { headers: flow.jar.header() });
        assert.equal(res.status, 302, await res.clone().text());
        assert.equal((await trade(codeIn(res))).status, 200);
      } finally {
        await other.close();
      }
    });

    it("two first sign-ins of one identity at once make one user and one identity; the loser, if any, is 409", async () => {
      account("acct-14", "oz@example.com");
      const flows = [await beginSignIn(app, "example", SIGNED_IN, PUBLIC_URL), await beginSignIn(app, "example", SIGNED_IN, PUBLIC_URL)];
      const statuses = (await Promise.all(flows.map((flow) => callback(flow.callback, flow.jar.header())))).map((res) => res.status);
      assert.ok(statuses.includes(302), `statuses ${statuses}`);
      assert.ok(
        statuses.every((status) => status === 302 || status === 409),
        `statuses ${statuses}`,
      );
      assert.equal(await count("users"), 1);
      assert.equal(await count("identities"), 1);
    });

    it("a disabled account is refused, as login refuses it", async () => {
      account("acct-11", "jo@example.com");
      assert.equal((await signIn("example")).status, 302);
      await database.db
        .updateTable("users")
        .set({ disabled_at: new Date(clock.now) })
        .execute();
      const res = await signIn("example");
      assert.equal(res.status, 403);
      assert.equal((await res.json()).error.code, "account_disabled");
    });

    it("a GitHub-style provider: no discovery and no ID token; the user from userinfo, the verified primary email from the emails endpoint", async () => {
      account("gh-1001", "kim@example.com");
      issuer.githubEmails.set("gh-1001", [
        { email: "old@example.com", primary: false, verified: true },
        { email: "Kim@Example.com", primary: true, verified: true },
      ]);
      const flow = await beginSignIn(app, "github", SIGNED_IN, PUBLIC_URL);
      assert.equal(flow.authorizationUrl.searchParams.get("nonce"), null);
      assert.equal(flow.authorizationUrl.searchParams.get("scope"), "read:user user:email");
      const res = await callback(flow.callback, flow.jar.header());
      assert.equal(res.status, 302, await res.clone().text());
      const session = await (await trade(codeIn(res))).json();
      const user = await (await me(app, session)).json();
      assert.equal(user.email, "kim@example.com");
      const identity = await database.db.selectFrom("identities").selectAll().executeTakeFirstOrThrow();
      assert.deepEqual([identity.provider, identity.subject], ["github", "1001"]);
    });

    it("a GitHub-style provider whose primary email is unverified is refused", async () => {
      account("gh-1002", "lee@example.com");
      issuer.githubEmails.set("gh-1002", [
        { email: "lee@example.com", primary: true, verified: false },
        { email: "other@example.com", primary: false, verified: true },
      ]);
      const res = await signIn("github");
      assert.equal(res.status, 403);
      assert.equal((await res.json()).error.code, "email_not_verified");
      assert.equal(await count("users"), 0);
    });
  });
}
