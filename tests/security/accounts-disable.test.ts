import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { login, me, refresh, signIn } from "../helpers/accounts.ts";
import { adminSession, guestUser, PASSWORD, send } from "../helpers/admin-session.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { useShippedApp } from "../helpers/shipped-app.ts";
import { bearer, json } from "../helpers/test-app.ts";

for (const target of databaseTargets()) {
  describe(`security: disabled accounts (${target.name})`, () => {
    const t = useShippedApp(target);

    const disable = (token: string, id: string) => send(t, "PUT", `/admin/users/${id}/disabled`, token);
    const enable = (token: string, id: string) => send(t, "DELETE", `/admin/users/${id}/disabled`, token);
    const disabledAt = async (id: string) =>
      (await t.database.db.selectFrom("users").select("disabled_at").where("id", "=", id).executeTakeFirstOrThrow()).disabled_at;
    const events = async (event: string) => t.database.db.selectFrom("log").selectAll().where("event", "=", event).execute();
    const refreshTokensOf = async (id: string) =>
      t.database.db.selectFrom("refresh_tokens").select(["revoked_at"]).where("user_id", "=", id).execute();

    it("a disabled account with the right password is 403 account_disabled, and no login is issued or logged", async () => {
      const admin = await adminSession(t);
      const ann = await guestUser(t, "ann@example.com");
      assert.equal((await disable(admin.access_token, ann)).status, 204);

      const res = await login(t.app, "ann@example.com", PASSWORD);
      assert.equal(res.status, 403);
      const body = await res.json();
      assert.equal(body.error.code, "account_disabled");
      assert.ok(!("access_token" in body) && !("refresh_token" in body));
      assert.deepEqual(await refreshTokensOf(ann), []);
      assert.equal((await events("login")).filter((row) => row.user_id === ann).length, 0);
    });

    it("a disabled account with a wrong password gets the same 401 invalid_credentials as an unknown email", async () => {
      const admin = await adminSession(t);
      const bo = await guestUser(t, "bo@example.com");
      assert.equal((await disable(admin.access_token, bo)).status, 204);

      const wrong = await login(t.app, "bo@example.com", "not the password");
      const unknown = await login(t.app, "nobody@example.com", "not the password");
      assert.equal(wrong.status, 401);
      assert.equal(unknown.status, 401);
      const body = await wrong.json();
      assert.equal(body.error.code, "invalid_credentials");
      assert.deepEqual(body, await unknown.json(), "disabling tells a guesser nothing");
      assert.equal(wrong.headers.get("content-type"), unknown.headers.get("content-type"));
      assert.equal((await events("login.failed")).filter((row) => row.user_id === bo).length, 1, "the failure still counts");
    });

    it("disabling revokes every login of the account; its refresh is 403 account_disabled while its access token lives out its TTL", async () => {
      const admin = await adminSession(t);
      const cy = await guestUser(t, "cy@example.com");
      const sessions = [await signIn(t.app, "cy@example.com", PASSWORD), await signIn(t.app, "cy@example.com", PASSWORD)];
      assert.equal((await disable(admin.access_token, cy)).status, 204);

      const tokens = await refreshTokensOf(cy);
      assert.equal(tokens.length, 2);
      assert.ok(tokens.every((row) => row.revoked_at !== null));
      for (const session of sessions) {
        const res = await refresh(t.app, session.refresh_token);
        assert.equal(res.status, 403);
        assert.equal((await res.json()).error.code, "account_disabled");
      }
      assert.equal((await refreshTokensOf(cy)).length, 2, "no refresh token was issued");
      // Short-lived by design (docs/shipped-endpoints.md): it stops at the next refresh.
      assert.equal((await me(t.app, sessions[0] ?? sessions[1] ?? assert.fail())).status, 200);
    });

    it("an account disabled straight in the database (no revocation) still cannot refresh: 403, no new token", async () => {
      const dee = await guestUser(t, "dee@example.com");
      const session = await signIn(t.app, "dee@example.com", PASSWORD);
      await t.database.db.updateTable("users").set({ disabled_at: new Date() }).where("id", "=", dee).execute();

      const res = await refresh(t.app, session.refresh_token);
      assert.equal(res.status, 403);
      assert.equal((await res.json()).error.code, "account_disabled");
      const tokens = await t.database.db.selectFrom("refresh_tokens").select(["spent_at"]).where("user_id", "=", dee).execute();
      assert.deepEqual(
        tokens.map((row) => row.spent_at),
        [null],
        "the token was not spent and no successor exists",
      );
    });

    it("a disabled account's still-valid access token cannot change the password: 403, the hash unchanged", async () => {
      const admin = await adminSession(t);
      const eve = await guestUser(t, "eve@example.com");
      const session = await signIn(t.app, "eve@example.com", PASSWORD);
      const hashBefore = await t.database.db.selectFrom("users").select("password_hash").where("id", "=", eve).executeTakeFirstOrThrow();
      assert.equal((await disable(admin.access_token, eve)).status, 204);

      const res = await t.app.request(
        "/auth/change-password",
        json({ current_password: PASSWORD, new_password: "a brand new password" }, bearer(session.access_token)),
      );
      assert.equal(res.status, 403);
      assert.equal((await res.json()).error.code, "account_disabled");
      const hashAfter = await t.database.db.selectFrom("users").select("password_hash").where("id", "=", eve).executeTakeFirstOrThrow();
      assert.equal(hashAfter.password_hash, hashBefore.password_hash);
    });

    it("enabling the account again lets it sign in, while the logins ended by disabling stay ended", async () => {
      const admin = await adminSession(t);
      const fay = await guestUser(t, "fay@example.com");
      const old = await signIn(t.app, "fay@example.com", PASSWORD);
      assert.equal((await disable(admin.access_token, fay)).status, 204);
      assert.equal((await enable(admin.access_token, fay)).status, 204);

      assert.equal(await disabledAt(fay), null);
      assert.equal((await login(t.app, "fay@example.com", PASSWORD)).status, 200);
      const stale = await refresh(t.app, old.refresh_token);
      assert.equal(stale.status, 401);
      assert.equal((await stale.json()).error.code, "invalid_refresh_token");
      assert.equal((await events("user.enabled")).length, 1);
    });

    it("an admin cannot disable their own account, by any spelling of the id: 409 cannot_disable_self, still enabled", async () => {
      const admin = await adminSession(t);
      for (const id of [admin.id, admin.id.toUpperCase()]) {
        const res = await disable(admin.access_token, id);
        assert.equal(res.status, 409, id);
        assert.equal((await res.json()).error.code, "cannot_disable_self");
      }
      assert.equal(await disabledAt(admin.id), null);
      assert.equal((await refresh(t.app, admin.refresh_token)).status, 200, "the admin's login was not revoked");
      assert.deepEqual(await events("user.disabled"), []);
    });

    it("disabling an unknown id is 404 user_not_found, a malformed one 400, and a guest gets 403 with nothing changed", async () => {
      const admin = await adminSession(t);
      const gus = await guestUser(t, "gus@example.com");
      const guest = await signIn(t.app, "gus@example.com", PASSWORD);
      for (const method of ["PUT", "DELETE"]) {
        const unknown = await send(t, method, `/admin/users/${randomUUID()}/disabled`, admin.access_token);
        assert.equal(unknown.status, 404, method);
        assert.equal((await unknown.json()).error.code, "user_not_found");
        const malformed = await send(t, method, "/admin/users/not-a-uuid/disabled", admin.access_token);
        assert.equal(malformed.status, 400, method);
        assert.equal((await malformed.json()).error.code, "validation_failed");
      }
      const forbidden = await disable(guest.access_token, admin.id);
      assert.equal(forbidden.status, 403);
      assert.equal((await forbidden.json()).error.code, "forbidden");
      assert.equal(await disabledAt(admin.id), null);
      assert.equal(await disabledAt(gus), null);
    });

    it("disabling twice keeps the first time; the admin's view shows disabled and the log says who disabled whom", async () => {
      const admin = await adminSession(t);
      const hal = await guestUser(t, "hal@example.com");
      assert.equal((await disable(admin.access_token, hal)).status, 204);
      const first = await disabledAt(hal);
      t.clock.now += 60_000;
      assert.equal((await disable(admin.access_token, hal)).status, 204);
      assert.deepEqual(await disabledAt(hal), first);

      const view = await send(t, "GET", `/admin/users/${hal}`, admin.access_token);
      assert.equal(view.status, 200);
      const body = await view.json();
      assert.equal(body.disabled, true);
      assert.equal(body.email, "hal@example.com");
      assert.doesNotMatch(JSON.stringify(body), /password|\$2[aby]\$/);
      const logged = await events("user.disabled");
      assert.equal(logged.length, 2);
      assert.ok(logged.every((row) => row.user_id === admin.id && (row.data as { target?: string }).target === hal));
    });

    it("a disabled account asking for a reset gets the same 202 as anyone and no link is issued or mailed", async () => {
      const admin = await adminSession(t);
      const ivy = await guestUser(t, "ivy@example.com");
      assert.equal((await disable(admin.access_token, ivy)).status, 204);
      await t.app.services.mailer.idle();
      t.smtp.clear();

      const asked = await t.app.request("/auth/forgot-password", json({ email: "ivy@example.com" }));
      const unknown = await t.app.request("/auth/forgot-password", json({ email: "nobody@example.com" }));
      assert.equal(asked.status, 202);
      assert.deepEqual(await asked.json(), await unknown.json());
      await t.app.services.mailer.idle();
      const resets = await t.database.db
        .selectFrom("one_time_tokens")
        .select("id")
        .where("user_id", "=", ivy)
        .where("purpose", "=", "reset-password")
        .execute();
      assert.deepEqual(resets, []);
      const queued = await t.database.db.selectFrom("outbox").select("subject").where("to", "=", "ivy@example.com").execute();
      assert.ok(
        queued.every((row) => !/reset/i.test(row.subject)),
        "no reset mail queued",
      );
    });
  });
}
