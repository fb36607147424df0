import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import type { TrellisApp } from "../../src/create-app.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { claimsOf, login, me, refresh, register, registerConfirmed, signIn } from "../helpers/accounts.ts";
import { databaseTargets, resetDatabase } from "../helpers/databases.ts";
import { createShippedApp } from "../helpers/shipped-app.ts";
import { startSmtp, type TestSmtp } from "../helpers/smtp.ts";
import { bearer, json } from "../helpers/test-app.ts";

for (const target of databaseTargets()) {
  describe(`sessions: login, refresh, logout, password change (${target.name})`, () => {
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

    it("login answers the token pair with no-store; the access token has the contract's header and claims", async () => {
      await registerConfirmed(app, smtp, "ann@example.com", "correct horse");
      const res = await login(app, "ann@example.com", "correct horse");
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("cache-control"), "no-store");
      const body = await res.json();
      assert.equal(body.token_type, "Bearer");
      assert.equal(body.expires_in, 900);
      assert.match(body.refresh_token, /^[A-Za-z0-9_-]{43}$/);
      const header = JSON.parse(Buffer.from(body.access_token.split(".")[0], "base64url").toString());
      assert.deepEqual(header, { alg: "HS256", typ: "at+jwt" });
      const claims = claimsOf(body.access_token);
      for (const claim of ["iss", "aud", "sub", "email", "roles", "iat", "exp", "jti"]) assert.ok(claim in claims, claim);
      assert.equal(claims.email, "ann@example.com");
      assert.equal(Number(claims.exp) - Number(claims.iat), 900);
    });

    it("a wrong password and an unknown email get the same 401 body", async () => {
      await registerConfirmed(app, smtp, "bo@example.com", "correct horse");
      const wrong = await login(app, "bo@example.com", "wrong horse");
      const unknown = await login(app, "nobody@example.com", "wrong horse");
      assert.equal(wrong.status, 401);
      assert.equal(unknown.status, 401);
      assert.deepEqual(await wrong.json(), await unknown.json());
    });

    it("repeated failures are 429 with Retry-After, even with the right password, until the window passes", async () => {
      await registerConfirmed(app, smtp, "cy@example.com", "correct horse");
      for (let i = 0; i < 5; i++) assert.equal((await login(app, "cy@example.com", `wrong ${i}`)).status, 401);
      const locked = await login(app, "cy@example.com", "correct horse");
      assert.equal(locked.status, 429);
      const retryAfter = Number(locked.headers.get("retry-after"));
      assert.ok(retryAfter > 0 && retryAfter <= 900, `Retry-After ${retryAfter}`);
      assert.equal((await locked.json()).error.code, "too_many_requests");
      clock.now += retryAfter * 1000 + 1000;
      assert.equal((await login(app, "cy@example.com", "correct horse")).status, 200);
    });

    it("refresh rotates; reusing the old token is 401 and kills the new one too; logout ends the login", async () => {
      await registerConfirmed(app, smtp, "dee@example.com", "correct horse");
      const first = await signIn(app, "dee@example.com", "correct horse");

      const rotated = await refresh(app, first.refresh_token);
      assert.equal(rotated.status, 200);
      assert.equal(rotated.headers.get("cache-control"), "no-store");
      const second = await rotated.json();
      assert.notEqual(second.refresh_token, first.refresh_token);
      assert.deepEqual(claimsOf(second.access_token).roles, ["guest"]);
      assert.equal((await me(app, second)).status, 200);

      const reused = await refresh(app, first.refresh_token);
      assert.equal(reused.status, 401);
      assert.equal((await refresh(app, second.refresh_token)).status, 401, "the whole login is revoked on reuse");
      const reuseLogged = await database.db.selectFrom("log").select("event").where("event", "=", "refresh.reuse").execute();
      assert.equal(reuseLogged.length, 1);

      const third = await signIn(app, "dee@example.com", "correct horse");
      const out = await app.request("/auth/logout", json({ refresh_token: third.refresh_token }));
      assert.equal(out.status, 204);
      assert.equal((await refresh(app, third.refresh_token)).status, 401);
    });

    it("two concurrent refreshes of one token cannot both succeed", async () => {
      await registerConfirmed(app, smtp, "eve@example.com", "correct horse");
      const session = await signIn(app, "eve@example.com", "correct horse");
      const results = await Promise.all([refresh(app, session.refresh_token), refresh(app, session.refresh_token)]);
      const statuses = results.map((res) => res.status).sort();
      assert.equal(statuses.filter((status) => status === 200).length, 1, `statuses ${statuses}`);
    });

    it("a refresh token expires after REFRESH_TOKEN_TTL, and unknown ones are 401", async () => {
      await registerConfirmed(app, smtp, "fay@example.com", "correct horse");
      const session = await signIn(app, "fay@example.com", "correct horse");
      assert.equal((await refresh(app, "not-a-real-token")).status, 401);
      clock.now += 31 * 86400 * 1000;
      assert.equal((await refresh(app, session.refresh_token)).status, 401);
    });

    it("refresh carries roles granted since login: a user who confirms after signing in gets guest on refresh", async () => {
      await register(app, "gus@example.com", "correct horse");
      const session = await signIn(app, "gus@example.com", "correct horse");
      assert.deepEqual(claimsOf(session.access_token).roles, []);
      const mail = await smtp.waitFor("gus@example.com");
      const token = /token=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
      assert.equal((await app.request("/auth/confirm", json({ token }))).status, 200);
      const renewed = await (await refresh(app, session.refresh_token)).json();
      assert.deepEqual(claimsOf(renewed.access_token).roles, ["guest"]);
    });

    it("change-password needs the current password and ends the other logins, not this one", async () => {
      await registerConfirmed(app, smtp, "hal@example.com", "correct horse");
      const here = await signIn(app, "hal@example.com", "correct horse");
      const elsewhere = await signIn(app, "hal@example.com", "correct horse");
      const change = (current: string) =>
        app.request(
          "/auth/change-password",
          json({ current_password: current, new_password: "battery staple" }, bearer(here.access_token)),
        );

      assert.equal((await change("wrong")).status, 401);
      assert.equal((await change("correct horse")).status, 200);
      assert.equal((await refresh(app, elsewhere.refresh_token)).status, 401);
      assert.equal((await refresh(app, here.refresh_token)).status, 200);
      assert.equal((await login(app, "hal@example.com", "correct horse")).status, 401);
      assert.equal((await login(app, "hal@example.com", "battery staple")).status, 200);
      await smtp.waitFor("hal@example.com", /password was changed/);
    });

    it("/auth/me needs a token", async () => {
      const res = await app.request("/auth/me");
      assert.equal(res.status, 401);
      assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
    });
  });
}
