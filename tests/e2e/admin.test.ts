import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { registerConfirmed, type Session, signIn } from "../helpers/accounts.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { useShippedApp } from "../helpers/shipped-app.ts";
import { bearer } from "../helpers/test-app.ts";

for (const target of databaseTargets()) {
  describe(`admin endpoints (${target.name})`, () => {
    const t = useShippedApp(target);

    /** An admin made the way an operator would: a confirmed user granted admin in the t.database. */
    async function adminSession(): Promise<Session> {
      await registerConfirmed(t.app, t.smtp, "root@example.com", "correct horse");
      const user = await t.database.db.selectFrom("users").select("id").where("email", "=", "root@example.com").executeTakeFirstOrThrow();
      await t.database.db.insertInto("user_roles").values({ user_id: user.id, role: "admin" }).execute();
      return signIn(t.app, "root@example.com", "correct horse");
    }

    const idOf = async (email: string) =>
      (await t.database.db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow()).id;

    it("an admin lists users with roles and total; a guest gets 403", async () => {
      const admin = await adminSession();
      await registerConfirmed(t.app, t.smtp, "ann@example.com", "correct horse");
      const guest = await signIn(t.app, "ann@example.com", "correct horse");

      const res = await t.app.request("/admin/users?limit=1&offset=1", { headers: bearer(admin.access_token) });
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.equal(body.total, 2);
      assert.equal(body.users.length, 1);
      assert.deepEqual(Object.keys(body.users[0]).sort(), ["confirmed", "created_at", "disabled", "email", "id", "name", "roles"]);
      assert.deepEqual([body.users[0].email, body.users[0].roles, body.users[0].confirmed], ["ann@example.com", ["guest"], true]);
      assert.doesNotMatch(JSON.stringify(body), /password|\$2[aby]\$/);

      assert.equal((await t.app.request("/admin/users", { headers: bearer(guest.access_token) })).status, 403);
      assert.equal((await t.app.request("/admin/users?limit=0", { headers: bearer(admin.access_token) })).status, 400);
    });

    it("grants and takes roles: 204, unknown role 400, unknown user 404; the next token carries the change", async () => {
      const admin = await adminSession();
      await registerConfirmed(t.app, t.smtp, "bo@example.com", "correct horse");
      const id = await idOf("bo@example.com");
      const put = (role: string, user = id) =>
        t.app.request(`/admin/users/${user}/roles/${role}`, { method: "PUT", headers: bearer(admin.access_token) });

      assert.equal((await put("admin")).status, 204);
      assert.equal((await put("admin")).status, 204, "granting twice is fine");
      const bo = await signIn(t.app, "bo@example.com", "correct horse");
      assert.equal((await t.app.request("/admin/users", { headers: bearer(bo.access_token) })).status, 200);

      const unknown = await put("superuser");
      assert.equal(unknown.status, 400);
      assert.equal((await unknown.json()).error.code, "unknown_role");
      assert.equal((await put("admin", "00000000-0000-4000-8000-000000000000")).status, 404);
      assert.equal((await put("admin", "not-a-uuid")).status, 400);

      const removed = await t.app.request(`/admin/users/${id}/roles/admin`, { method: "DELETE", headers: bearer(admin.access_token) });
      assert.equal(removed.status, 204);
      const after = await signIn(t.app, "bo@example.com", "correct horse");
      assert.equal((await t.app.request("/admin/users", { headers: bearer(after.access_token) })).status, 403);
    });

    it("the log lists events newest first, with user and no password, token or hash", async () => {
      const admin = await adminSession();
      await t.app.request(`/admin/users/${await idOf("root@example.com")}/roles/guest`, {
        method: "PUT",
        headers: bearer(admin.access_token),
      });
      const res = await t.app.request("/admin/log?limit=50", { headers: bearer(admin.access_token) });
      assert.equal(res.status, 200);
      const { entries } = await res.json();
      const events = entries.map((entry: { event: string }) => entry.event);
      assert.deepEqual(events.slice(0, 4), ["role.granted", "login", "confirm", "register"]);
      const text = JSON.stringify(entries);
      assert.doesNotMatch(text, /correct horse|\$2[aby]\$/);
      assert.ok(!text.includes(admin.refresh_token) && !text.includes(admin.access_token));
      assert.equal((await t.app.request("/admin/log")).status, 401);
    });
  });
}
