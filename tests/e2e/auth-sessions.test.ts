import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { claimsOf, login, me, refresh, register, registerConfirmed, signIn } from "../helpers/accounts.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { useShippedApp } from "../helpers/shipped-app.ts";
import { bearer, json } from "../helpers/test-app.ts";

for (const target of databaseTargets()) {
  describe(`sessions: login, refresh, logout, password change (${target.name})`, () => {
    const t = useShippedApp(target);
    const { clock } = t;

    it("login answers the token pair with no-store; the access token has the contract's header and claims", async () => {
      await registerConfirmed(t.app, t.smtp, "ann@example.com", "correct horse");
      const res = await login(t.app, "ann@example.com", "correct horse");
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
      await registerConfirmed(t.app, t.smtp, "bo@example.com", "correct horse");
      const wrong = await login(t.app, "bo@example.com", "wrong horse");
      const unknown = await login(t.app, "nobody@example.com", "wrong horse");
      assert.equal(wrong.status, 401);
      assert.equal(unknown.status, 401);
      assert.deepEqual(await wrong.json(), await unknown.json());
    });

    it("repeated failures are 429 with Retry-After, even with the right password, until the window passes", async () => {
      await registerConfirmed(t.app, t.smtp, "cy@example.com", "correct horse");
      for (let i = 0; i < 5; i++) assert.equal((await login(t.app, "cy@example.com", `wrong ${i}`)).status, 401);
      const locked = await login(t.app, "cy@example.com", "correct horse");
      assert.equal(locked.status, 429);
      const retryAfter = Number(locked.headers.get("retry-after"));
      assert.ok(retryAfter > 0 && retryAfter <= 900, `Retry-After ${retryAfter}`);
      assert.equal((await locked.json()).error.code, "too_many_requests");
      clock.now += retryAfter * 1000 + 1000;
      assert.equal((await login(t.app, "cy@example.com", "correct horse")).status, 200);
    });

    it("counts parallel failures one after the other: a burst cannot slip past the lockout", async () => {
      await registerConfirmed(t.app, t.smtp, "burst@example.com", "correct horse");
      const results = await Promise.all(Array.from({ length: 12 }, (_, i) => login(t.app, "burst@example.com", `wrong ${i}`)));
      const statuses = results.map((res) => res.status);
      assert.equal(statuses.filter((status) => status === 401).length, 5, `statuses ${statuses}`);
      assert.equal(statuses.filter((status) => status === 429).length, 7);
    });

    it("refresh rotates; reusing the old token is 401 and kills the new one too; logout ends the login", async () => {
      await registerConfirmed(t.app, t.smtp, "dee@example.com", "correct horse");
      const first = await signIn(t.app, "dee@example.com", "correct horse");

      const rotated = await refresh(t.app, first.refresh_token);
      assert.equal(rotated.status, 200);
      assert.equal(rotated.headers.get("cache-control"), "no-store");
      const second = await rotated.json();
      assert.notEqual(second.refresh_token, first.refresh_token);
      assert.deepEqual(claimsOf(second.access_token).roles, ["guest"]);
      assert.equal((await me(t.app, second)).status, 200);

      const reused = await refresh(t.app, first.refresh_token);
      assert.equal(reused.status, 401);
      assert.equal((await refresh(t.app, second.refresh_token)).status, 401, "the whole login is revoked on reuse");
      const reuseLogged = await t.database.db.selectFrom("log").select("event").where("event", "=", "refresh.reuse").execute();
      assert.equal(reuseLogged.length, 1);

      const third = await signIn(t.app, "dee@example.com", "correct horse");
      const out = await t.app.request("/auth/logout", json({ refresh_token: third.refresh_token }));
      assert.equal(out.status, 204);
      assert.equal((await refresh(t.app, third.refresh_token)).status, 401);
    });

    it("two concurrent refreshes of one token cannot both succeed", async () => {
      await registerConfirmed(t.app, t.smtp, "eve@example.com", "correct horse");
      const session = await signIn(t.app, "eve@example.com", "correct horse");
      const results = await Promise.all([refresh(t.app, session.refresh_token), refresh(t.app, session.refresh_token)]);
      const statuses = results.map((res) => res.status).sort();
      assert.equal(statuses.filter((status) => status === 200).length, 1, `statuses ${statuses}`);
    });

    it("a refresh token expires after REFRESH_TOKEN_TTL, and unknown ones are 401", async () => {
      await registerConfirmed(t.app, t.smtp, "fay@example.com", "correct horse");
      const session = await signIn(t.app, "fay@example.com", "correct horse");
      assert.equal((await refresh(t.app, "not-a-real-token")).status, 401);
      clock.now += 31 * 86400 * 1000;
      assert.equal((await refresh(t.app, session.refresh_token)).status, 401);
    });

    it("refresh carries roles granted since login: a user who confirms after signing in gets guest on refresh", async () => {
      await register(t.app, "gus@example.com", "correct horse");
      const session = await signIn(t.app, "gus@example.com", "correct horse");
      assert.deepEqual(claimsOf(session.access_token).roles, []);
      const mail = await t.smtp.waitFor("gus@example.com");
      const token = /token=([A-Za-z0-9_-]+)/.exec(mail.text)?.[1];
      assert.equal((await t.app.request("/auth/confirm", json({ token }))).status, 200);
      const renewed = await (await refresh(t.app, session.refresh_token)).json();
      assert.deepEqual(claimsOf(renewed.access_token).roles, ["guest"]);
    });

    it("change-password needs the current password and ends the other logins, not this one", async () => {
      await registerConfirmed(t.app, t.smtp, "hal@example.com", "correct horse");
      const here = await signIn(t.app, "hal@example.com", "correct horse");
      const elsewhere = await signIn(t.app, "hal@example.com", "correct horse");
      const change = (current: string) =>
        t.app.request(
          "/auth/change-password",
          json({ current_password: current, new_password: "battery staple" }, bearer(here.access_token)),
        );

      assert.equal((await change("wrong")).status, 401);
      assert.equal((await change("correct horse")).status, 200);
      assert.equal((await refresh(t.app, elsewhere.refresh_token)).status, 401);
      assert.equal((await refresh(t.app, here.refresh_token)).status, 200);
      assert.equal((await login(t.app, "hal@example.com", "correct horse")).status, 401);
      assert.equal((await login(t.app, "hal@example.com", "battery staple")).status, 200);
      await t.smtp.waitFor("hal@example.com", /password was changed/);
    });

    it("/auth/me needs a token", async () => {
      const res = await t.app.request("/auth/me");
      assert.equal(res.status, 401);
      assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
    });
  });
}
