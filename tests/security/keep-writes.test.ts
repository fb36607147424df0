import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hashToken } from "../../src/auth/opaque-token.ts";
import { issueRefreshToken } from "../../src/auth/refresh-tokens.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { insertUser, labels, logged, useFaultsApp } from "../helpers/faults-app.ts";
import { json } from "../helpers/test-app.ts";

/**
 * A failure that must be remembered (keepWrites: a failed login counted, a
 * reused refresh token's login revoked) commits what its own step wrote and
 * nothing an earlier step of the same request wrote.
 */
for (const target of databaseTargets()) {
  describe(`keepWrites is scoped to the failing step (${target.name})`, () => {
    const t = useFaultsApp(target);

    const failures = async () =>
      (await t.database.db.selectFrom("rate_limit_hits").select("key").where("key", "like", "login:%").execute()).length;
    const events = async (event: string) =>
      (await t.database.db.selectFrom("log").select("id").where("event", "=", event).execute()).length;

    it("a wrong password after a step that inserted a row: 401, the row is gone, the failure is counted and logged", async () => {
      await insertUser(t.database, "ann@example.com", "correct horse");
      const res = await t.app.request("/keep-login", json({ label: "written first", email: "ann@example.com", password: "wrong" }));
      assert.equal(res.status, 401);
      assert.equal((await res.json()).error.code, "invalid_credentials");
      assert.deepEqual(await labels(t.database, "items"), [], "the earlier step's row is not committed");
      assert.equal(await failures(), 1, "the failed attempt counts toward the lockout");
      assert.equal(await events("login.failed"), 1);
    });

    it("failures after an earlier write still add up to the lockout: the fourth attempt of three allowed is 429", async () => {
      await insertUser(t.database, "bo@example.com", "correct horse");
      for (let i = 0; i < 3; i++) {
        const res = await t.app.request("/keep-login", json({ label: `try ${i}`, email: "bo@example.com", password: `wrong ${i}` }));
        assert.equal(res.status, 401);
      }
      const locked = await t.app.request("/keep-login", json({ label: "right", email: "bo@example.com", password: "correct horse" }));
      assert.equal(locked.status, 429);
      assert.equal((await locked.json()).error.code, "too_many_requests");
      assert.deepEqual(await labels(t.database, "items"), [], "no attempt's earlier row was committed");
      assert.equal(await failures(), 3);
    });

    it("the right password after the same earlier write: 200 and both are committed (the scoping drops nothing on success)", async () => {
      const id = await insertUser(t.database, "cy@example.com", "correct horse");
      const res = await t.app.request("/keep-login", json({ label: "kept", email: "cy@example.com", password: "correct horse" }));
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { id });
      assert.deepEqual(await labels(t.database, "items"), ["kept"]);
      assert.equal(await failures(), 0);
    });

    it("a log step before a failed login: its row and its stdout line are gone, the login.failed row stays", async () => {
      await insertUser(t.database, "dee@example.com", "correct horse");
      const res = await t.app.request("/keep-log-login", json({ email: "dee@example.com", password: "wrong" }));
      assert.equal(res.status, 401);
      assert.equal(await events("before.login"), 0, "the earlier log row is rolled back");
      assert.equal(await events("login.failed"), 1);
      assert.equal(logged(t.logs, "before.login").length, 0, "a rolled-back log step prints nothing");
    });

    it("a reused refresh token after an earlier write: 401, the row is gone, the whole login stays revoked", async () => {
      const user = await insertUser(t.database, "eve@example.com", "correct horse");
      const now = t.app.services.now();
      const first = await issueRefreshToken(t.database.db, user, undefined, now, 3600);
      // The first token of the login was spent (rotated into a second): presenting it again is reuse.
      await t.database.db.updateTable("refresh_tokens").set({ spent_at: now }).where("token_hash", "=", hashToken(first.token)).execute();
      await issueRefreshToken(t.database.db, user, first.family_id, now, 3600);

      const res = await t.app.request("/keep-refresh", json({ label: "written first", refresh_token: first.token }));
      assert.equal(res.status, 401);
      assert.equal((await res.json()).error.code, "invalid_refresh_token");
      assert.deepEqual(await labels(t.database, "items"), []);
      const live = await t.database.db
        .selectFrom("refresh_tokens")
        .select("id")
        .where("family_id", "=", first.family_id)
        .where("revoked_at", "is", null)
        .execute();
      assert.equal(live.length, 0, "the reuse revoked every token of the login, and that was committed");
      assert.equal(await events("refresh.reuse"), 1);
    });

    it("an app's action that refuses with keepWrites after an earlier write: its own record stays, the earlier row goes", async () => {
      const res = await t.app.request("/keep-custom", json({ label: "custom" }));
      assert.equal(res.status, 403);
      assert.equal((await res.json()).error.code, "refused");
      assert.deepEqual(await labels(t.database, "items"), []);
      assert.deepEqual(await labels(t.database, "attempts"), ["custom"], "written once: the step's run again is what is kept");
    });

    it("keepWrites from the first step that writes commits its writes as before", async () => {
      const res = await t.app.request("/keep-first", json({ label: "alone" }));
      assert.equal(res.status, 403);
      assert.deepEqual(await labels(t.database, "attempts"), ["alone"]);
    });

    it("a step that refuses only because of an earlier step's write keeps nothing: the same error, no row in either table", async () => {
      const res = await t.app.request("/keep-caused", json({ label: "caused" }));
      assert.equal(res.status, 409);
      assert.equal((await res.json()).error.code, "items_exist");
      assert.deepEqual(await labels(t.database, "items"), []);
      assert.deepEqual(await labels(t.database, "attempts"), [], "run alone it would not fail, so what it wrote is not kept");
    });
  });
}
