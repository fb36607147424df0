import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, it } from "node:test";
import { me, refresh, register, signIn } from "../helpers/accounts.ts";
import { adminSession, guestUser, idOf, PASSWORD, send } from "../helpers/admin-session.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { useShippedApp } from "../helpers/shipped-app.ts";
import { tokenIn } from "../helpers/smtp.ts";
import { json } from "../helpers/test-app.ts";

const FAR_FUTURE = new Date("2100-01-01T00:00:00Z");

for (const target of databaseTargets()) {
  describe(`security: deleting accounts (${target.name})`, () => {
    const t = useShippedApp(target);

    const remove = (token: string, id: string) => send(t, "DELETE", `/admin/users/${id}`, token);
    const count = async (table: "users" | "refresh_tokens" | "one_time_tokens" | "user_roles", userId: string) =>
      (
        await t.database.db
          .selectFrom(table)
          .select(t.database.db.fn.countAll<number>().as("n"))
          .where(table === "users" ? "id" : "user_id", "=", userId)
          .executeTakeFirstOrThrow()
      ).n;
    /** A mail still waiting in the outbox (due long after the test), as a mail server outage leaves it. */
    const queueMail = (to: string) =>
      t.database.db.insertInto("outbox").values({ to, subject: "Waiting", text: "a link", next_attempt_at: FAR_FUTURE }).execute();

    it("deleting an account is 204 and its row, refresh tokens, one-time tokens and roles go; its refresh token is then 401", async () => {
      const admin = await adminSession(t);
      const ann = await guestUser(t, "ann@example.com");
      const session = await signIn(t.app, "ann@example.com", PASSWORD);
      assert.equal((await t.app.request("/auth/forgot-password", json({ email: "ann@example.com" }))).status, 202);
      for (const table of ["users", "refresh_tokens", "one_time_tokens", "user_roles"] as const) {
        assert.ok(Number(await count(table, ann)) > 0, `${table} has rows before`);
      }

      assert.equal((await remove(admin.access_token, ann)).status, 204);
      for (const table of ["users", "refresh_tokens", "one_time_tokens", "user_roles"] as const) {
        assert.equal(Number(await count(table, ann)), 0, `${table} has none after`);
      }
      const res = await refresh(t.app, session.refresh_token);
      assert.equal(res.status, 401);
      assert.equal((await res.json()).error.code, "invalid_refresh_token");
      const gone = await me(t.app, session);
      assert.equal(gone.status, 404, "a still-valid access token finds no account");
      assert.equal((await gone.json()).error.code, "user_not_found");
    });

    it("deleting an account drops the unsent mail to its address (any case) and keeps everyone else's", async () => {
      const admin = await adminSession(t);
      const bo = await guestUser(t, "bo@example.com");
      await guestUser(t, "cy@example.com");
      await t.app.services.mailer.idle();
      await queueMail("bo@example.com");
      await queueMail("BO@Example.com");
      await queueMail("cy@example.com");
      const sentBefore = await t.database.db
        .selectFrom("outbox")
        .select("id")
        .where("to", "=", "bo@example.com")
        .where("sent_at", "is not", null)
        .execute();

      assert.equal((await remove(admin.access_token, bo)).status, 204);
      const pending = await t.database.db.selectFrom("outbox").select("to").where("sent_at", "is", null).execute();
      assert.deepEqual(
        pending.map((row) => row.to),
        ["cy@example.com"],
      );
      const sentAfter = await t.database.db
        .selectFrom("outbox")
        .select("id")
        .where("to", "=", "bo@example.com")
        .where("sent_at", "is not", null)
        .execute();
      assert.deepEqual(sentAfter, sentBefore, "the record of mail already delivered stays");
    });

    it("the log keeps a user.deleted event naming the admin and the id, and the user's earlier events", async () => {
      const admin = await adminSession(t);
      const dee = await guestUser(t, "dee@example.com");
      const earlier = await t.database.db.selectFrom("log").select("id").where("user_id", "=", dee).execute();
      assert.ok(earlier.length > 0);

      assert.equal((await remove(admin.access_token, dee)).status, 204);
      const deleted = await t.database.db.selectFrom("log").selectAll().where("event", "=", "user.deleted").execute();
      assert.equal(deleted.length, 1);
      assert.equal(deleted[0]?.user_id, admin.id);
      assert.deepEqual(deleted[0]?.data, { target: dee });
      assert.equal((await t.database.db.selectFrom("log").select("id").where("user_id", "=", dee).execute()).length, earlier.length);
    });

    it("a deleted address can register again: a fresh account and confirmation mail, and the old confirmation link is dead", async () => {
      const admin = await adminSession(t);
      assert.equal((await register(t.app, "eve@example.com", PASSWORD)).status, 202);
      const oldToken = tokenIn(await t.smtp.waitFor("eve@example.com", /Confirm your address/));
      const oldId = await idOf(t, "eve@example.com");
      assert.equal((await remove(admin.access_token, oldId)).status, 204);
      t.smtp.clear();

      assert.equal((await register(t.app, "eve@example.com", "another good password")).status, 202);
      const mail = await t.smtp.waitFor("eve@example.com", /Confirm your address/);
      const newId = await idOf(t, "eve@example.com");
      assert.notEqual(newId, oldId);
      const stale = await t.app.request("/auth/confirm", json({ token: oldToken }));
      assert.equal(stale.status, 400);
      assert.equal((await t.app.request("/auth/confirm", json({ token: tokenIn(mail) }))).status, 200);
      assert.equal((await signIn(t.app, "eve@example.com", "another good password")).refresh_token.length, 43);
    });

    it("an admin cannot delete their own account, by any spelling of the id: 409 cannot_delete_self, nothing removed", async () => {
      const admin = await adminSession(t);
      for (const id of [admin.id, admin.id.toUpperCase()]) {
        const res = await remove(admin.access_token, id);
        assert.equal(res.status, 409, id);
        assert.equal((await res.json()).error.code, "cannot_delete_self");
      }
      assert.equal(Number(await count("users", admin.id)), 1);
      assert.equal(Number(await count("user_roles", admin.id)), 2);
      assert.equal((await refresh(t.app, admin.refresh_token)).status, 200);
    });

    it("deleting an unknown id is 404, a malformed id 400, and a guest deleting an admin 403; every account stays", async () => {
      const admin = await adminSession(t);
      const fay = await guestUser(t, "fay@example.com");
      const guest = await signIn(t.app, "fay@example.com", PASSWORD);

      const unknown = await remove(admin.access_token, randomUUID());
      assert.equal(unknown.status, 404);
      assert.equal((await unknown.json()).error.code, "user_not_found");
      for (const bad of ["not-a-uuid", "urn:uuid:00000000-0000-4000-8000-000000000000x", "%00"]) {
        const malformed = await remove(admin.access_token, bad);
        assert.equal(malformed.status, 400, bad);
        assert.equal((await malformed.json()).error.code, "validation_failed");
      }
      const forbidden = await remove(guest.access_token, admin.id);
      assert.equal(forbidden.status, 403);
      assert.equal((await forbidden.json()).error.code, "forbidden");
      assert.equal(Number(await count("users", admin.id)), 1);
      assert.equal(Number(await count("users", fay)), 1);
      assert.equal((await t.database.db.selectFrom("log").select("id").where("event", "=", "user.deleted").execute()).length, 0);
    });
  });
}
