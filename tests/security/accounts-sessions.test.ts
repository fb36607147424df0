import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { claimsOf, refresh, type Session, signIn } from "../helpers/accounts.ts";
import { adminSession, guestUser, idOf, PASSWORD, send } from "../helpers/admin-session.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { useShippedApp } from "../helpers/shipped-app.ts";
import { json } from "../helpers/test-app.ts";

interface ListedSession {
  id: string;
  created_at: string;
  last_used_at: string;
  expires_at: string;
  current: boolean;
}

for (const target of databaseTargets()) {
  describe(`security: sessions, the admin's view and the user's own (${target.name})`, () => {
    const t = useShippedApp(target);

    const listFor = async (token: string, route: string): Promise<ListedSession[]> => {
      const res = await send(t, "GET", route, token);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("cache-control"), "no-store");
      return (await res.json()).sessions;
    };
    const liveTokens = async (userId: string) =>
      t.database.db
        .selectFrom("refresh_tokens")
        .select("family_id")
        .where("user_id", "=", userId)
        .where("revoked_at", "is", null)
        .where("spent_at", "is", null)
        .execute();

    it("an admin lists a user's live logins by family id with times, and never a token or its hash", async () => {
      const admin = await adminSession(t);
      const ann = await guestUser(t, "ann@example.com");
      const first = await signIn(t.app, "ann@example.com", PASSWORD);
      const second = await signIn(t.app, "ann@example.com", PASSWORD);
      const ended = await signIn(t.app, "ann@example.com", PASSWORD);
      assert.equal((await t.app.request("/auth/logout", json({ refresh_token: ended.refresh_token }))).status, 204);

      const res = await send(t, "GET", `/admin/users/${ann}/sessions`, admin.access_token);
      const text = await res.clone().text();
      const sessions: ListedSession[] = (await res.json()).sessions;
      const families = [first, second].map((session) => String(claimsOf(session.access_token).sid));
      assert.deepEqual(sessions.map((s) => s.id).sort(), families.sort(), "the logged-out login is not listed");
      for (const session of sessions) {
        assert.deepEqual(Object.keys(session).sort(), ["created_at", "current", "expires_at", "id", "last_used_at"]);
        assert.ok(Date.parse(session.expires_at) > Date.parse(session.created_at));
      }
      const hashes = await t.database.db.selectFrom("refresh_tokens").select("token_hash").execute();
      for (const secret of [first.refresh_token, second.refresh_token, ...hashes.map((row) => row.token_hash)]) {
        assert.ok(!text.includes(secret), "no refresh token or hash in the answer");
      }
    });

    it("a refresh moves a login's last_used_at and keeps its id and created_at", async () => {
      const admin = await adminSession(t);
      const bo = await guestUser(t, "bo@example.com");
      const session = await signIn(t.app, "bo@example.com", PASSWORD);
      const [before] = await listFor(admin.access_token, `/admin/users/${bo}/sessions`);
      t.clock.now += 60_000;
      assert.equal((await refresh(t.app, session.refresh_token)).status, 200);
      const [after] = await listFor(admin.access_token, `/admin/users/${bo}/sessions`);
      assert.ok(before && after);
      assert.equal(after.id, before.id);
      assert.equal(after.created_at, before.created_at);
      assert.equal(Date.parse(after.last_used_at) - Date.parse(before.last_used_at), 60_000);
    });

    it("an admin ending a user's sessions revokes every login of that user (their refreshes 401) and no one else's", async () => {
      const admin = await adminSession(t);
      const cy = await guestUser(t, "cy@example.com");
      const logins = [await signIn(t.app, "cy@example.com", PASSWORD), await signIn(t.app, "cy@example.com", PASSWORD)];
      const res = await send(t, "DELETE", `/admin/users/${cy}/sessions`, admin.access_token);
      assert.equal(res.status, 204);
      assert.deepEqual(await liveTokens(cy), []);
      for (const login of logins) {
        const again = await refresh(t.app, login.refresh_token);
        assert.equal(again.status, 401);
        assert.equal((await again.json()).error.code, "invalid_refresh_token");
      }
      assert.equal((await refresh(t.app, admin.refresh_token)).status, 200, "the admin's own login is untouched");
      const logged = await t.database.db.selectFrom("log").selectAll().where("event", "=", "sessions.revoked").executeTakeFirstOrThrow();
      assert.equal(logged.user_id, admin.id);
      assert.deepEqual(logged.data, { target: cy, revoked: 2 });
    });

    it("the admin session endpoints answer 404 user_not_found for an unknown id and 400 for a malformed one", async () => {
      const admin = await adminSession(t);
      for (const method of ["GET", "DELETE"]) {
        const unknown = await send(t, method, `/admin/users/${randomUUID()}/sessions`, admin.access_token);
        assert.equal(unknown.status, 404, method);
        assert.equal((await unknown.json()).error.code, "user_not_found");
        for (const bad of ["not-a-uuid", "1'%20or%20'1'='1", "00000000-0000-4000-8000-00000000000g"]) {
          const malformed = await send(t, method, `/admin/users/${bad}/sessions`, admin.access_token);
          assert.equal(malformed.status, 400, `${method} ${bad}`);
          assert.equal((await malformed.json()).error.code, "validation_failed");
        }
      }
      assert.equal((await liveTokens(admin.id)).length, 1, "nothing was revoked");
    });

    it("a guest cannot list or end another user's sessions through the admin endpoints: 403, nothing revoked", async () => {
      await adminSession(t);
      const dee = await guestUser(t, "dee@example.com");
      await signIn(t.app, "dee@example.com", PASSWORD);
      await guestUser(t, "eve@example.com");
      const eve = await signIn(t.app, "eve@example.com", PASSWORD);
      for (const method of ["GET", "DELETE"]) {
        const res = await send(t, method, `/admin/users/${dee}/sessions`, eve.access_token);
        assert.equal(res.status, 403, method);
        assert.equal((await res.json()).error.code, "forbidden");
      }
      assert.equal((await liveTokens(dee)).length, 1);
    });

    it("a user lists only their own logins, and the one the access token belongs to is marked current", async () => {
      await guestUser(t, "fay@example.com");
      const here = await signIn(t.app, "fay@example.com", PASSWORD);
      const elsewhere = await signIn(t.app, "fay@example.com", PASSWORD);
      await guestUser(t, "gus@example.com");
      await signIn(t.app, "gus@example.com", PASSWORD);

      const sessions = await listFor(here.access_token, "/auth/sessions");
      assert.equal(sessions.length, 2, "gus's login is not among fay's");
      const current = sessions.filter((session) => session.current);
      assert.deepEqual(
        current.map((session) => session.id),
        [claimsOf(here.access_token).sid],
      );
      const fromElsewhere = await listFor(elsewhere.access_token, "/auth/sessions");
      assert.deepEqual(
        fromElsewhere.filter((session) => session.current).map((session) => session.id),
        [claimsOf(elsewhere.access_token).sid],
      );
    });

    it("listing or ending my sessions without an access token is 401 with WWW-Authenticate", async () => {
      for (const [method, route] of [
        ["GET", "/auth/sessions"],
        ["DELETE", "/auth/sessions"],
        ["DELETE", `/auth/sessions/${randomUUID()}`],
      ] as const) {
        const res = await t.app.request(route, { method });
        assert.equal(res.status, 401, `${method} ${route}`);
        assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
        assert.equal((await res.json()).error.code, "unauthorized");
      }
    });

    it("ending all my sessions is 204 and every refresh token of mine then answers 401; others keep theirs", async () => {
      const hal = await guestUser(t, "hal@example.com");
      const logins = [await signIn(t.app, "hal@example.com", PASSWORD), await signIn(t.app, "hal@example.com", PASSWORD)];
      await guestUser(t, "ida@example.com");
      const ida = await signIn(t.app, "ida@example.com", PASSWORD);

      const res = await send(t, "DELETE", "/auth/sessions", logins[0]?.access_token ?? "");
      assert.equal(res.status, 204);
      assert.deepEqual(await liveTokens(hal), []);
      for (const login of logins) assert.equal((await refresh(t.app, login.refresh_token)).status, 401);
      assert.equal((await refresh(t.app, ida.refresh_token)).status, 200);
    });

    it("ending one of my sessions by id ends that login only", async () => {
      await guestUser(t, "jo@example.com");
      const keep = await signIn(t.app, "jo@example.com", PASSWORD);
      const end = await signIn(t.app, "jo@example.com", PASSWORD);
      const res = await send(t, "DELETE", `/auth/sessions/${claimsOf(end.access_token).sid}`, keep.access_token);
      assert.equal(res.status, 204);
      assert.equal((await refresh(t.app, end.refresh_token)).status, 401);
      assert.equal((await refresh(t.app, keep.refresh_token)).status, 200);
    });

    it("ending someone else's session by its id is 404 like an unknown id, and their login lives on", async () => {
      const kim = await guestUser(t, "kim@example.com");
      const victim = await signIn(t.app, "kim@example.com", PASSWORD);
      await guestUser(t, "lou@example.com");
      const attacker = await signIn(t.app, "lou@example.com", PASSWORD);

      const theirs = await send(t, "DELETE", `/auth/sessions/${claimsOf(victim.access_token).sid}`, attacker.access_token);
      const unknown = await send(t, "DELETE", `/auth/sessions/${randomUUID()}`, attacker.access_token);
      assert.equal(theirs.status, 404);
      assert.equal(unknown.status, 404);
      const body = await theirs.json();
      assert.equal(body.error.code, "session_not_found");
      assert.deepEqual(body, await unknown.json(), "the answers cannot be told apart");
      assert.equal((await liveTokens(kim)).length, 1);
      assert.equal((await refresh(t.app, victim.refresh_token)).status, 200);
    });

    it("ending a session that is already over is 404, and a malformed session id is 400", async () => {
      await guestUser(t, "max@example.com");
      const here: Session = await signIn(t.app, "max@example.com", PASSWORD);
      const gone = await signIn(t.app, "max@example.com", PASSWORD);
      assert.equal((await t.app.request("/auth/logout", json({ refresh_token: gone.refresh_token }))).status, 204);
      const again = await send(t, "DELETE", `/auth/sessions/${claimsOf(gone.access_token).sid}`, here.access_token);
      assert.equal(again.status, 404);
      assert.equal((await again.json()).error.code, "session_not_found");
      const malformed = await send(t, "DELETE", "/auth/sessions/..%2f..%2fadmin", here.access_token);
      assert.equal(malformed.status, 400);
      assert.equal((await malformed.json()).error.code, "validation_failed");
      assert.equal((await refresh(t.app, here.refresh_token)).status, 200);
      assert.ok(await idOf(t, "max@example.com"));
    });
  });
}
