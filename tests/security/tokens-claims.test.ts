import assert from "node:assert/strict";
import { beforeEach, describe, it } from "node:test";
import * as jose from "jose";
import { registerConfirmed } from "../helpers/accounts.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { accessClaims, forgeToken } from "../helpers/forge-token.ts";
import { useShippedApp } from "../helpers/shipped-app.ts";
import { tokenFor } from "../helpers/test-app.ts";

const HOUR = 3600;

for (const target of databaseTargets()) {
  describe(`access token claims: a token signed with the right secret but a missing or wrong claim is 401 (${target.name})`, () => {
    const t = useShippedApp(target);
    let victimId: string;
    let appHeader: jose.ProtectedHeaderParameters;

    beforeEach(async () => {
      await registerConfirmed(t.app, t.smtp, "victim@example.com", "correct horse");
      victimId = (await t.database.db.selectFrom("users").select("id").executeTakeFirstOrThrow()).id;
      appHeader = jose.decodeProtectedHeader(await tokenFor(t.app, ["admin"]));
    });

    const now = () => Math.floor(t.clock.now / 1000);
    /** An admin token as trellis signs it, with `change` applied to its claims (undefined deletes one). */
    const adminToken = (change: Record<string, unknown>, header: Record<string, unknown> = {}) => {
      const claims: Record<string, unknown> = { ...accessClaims(t.clock.now), ...change };
      for (const [name, value] of Object.entries(change)) if (value === undefined) delete claims[name];
      return forgeToken({ header: { ...appHeader, ...header }, claims });
    };
    const victimRoles = async () =>
      (await t.database.db.selectFrom("user_roles").select("role").where("user_id", "=", victimId).execute()).map((row) => row.role);

    /** The attack each claim trick serves: make the victim an admin. */
    async function assertRefused(token: string, message = /not valid/) {
      const res = await t.app.request(`/admin/users/${victimId}/roles/admin`, {
        method: "PUT",
        headers: { Authorization: `Bearer ${token}` },
      });
      assert.equal(res.status, 401);
      assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
      const { error } = await res.json();
      assert.equal(error.code, "invalid_token");
      assert.match(error.message, message);
      assert.deepEqual(await victimRoles(), ["guest"], "no role was granted");
    }

    it("control: the unchanged token is accepted", async () => {
      const res = await t.app.request(`/admin/users/${victimId}/roles/admin`, {
        method: "PUT",
        headers: { Authorization: `Bearer ${adminToken({})}` },
      });
      assert.equal(res.status, 204);
    });

    it("a token whose sub is not a non-empty string (a number, an object, empty) is 401 invalid_token", async () => {
      await assertRefused(adminToken({ sub: 1 }));
      await assertRefused(adminToken({ sub: { id: "x" } }));
      await assertRefused(adminToken({ sub: "" }));
    });

    it("a token with no iss, or another issuer's, is 401", async () => {
      await assertRefused(adminToken({ iss: undefined }));
      await assertRefused(adminToken({ iss: "https://evil.example" }));
    });

    it("a token with no aud, or for another audience (also inside an array), is 401", async () => {
      await assertRefused(adminToken({ aud: undefined }));
      await assertRefused(adminToken({ aud: "another-service" }));
      await assertRefused(adminToken({ aud: ["another-service"] }));
    });

    it("a token with no exp (one that would never expire) is 401", async () => {
      await assertRefused(adminToken({ exp: undefined }));
    });

    it("an expired token is 401 saying so, also one second past exp", async () => {
      await assertRefused(adminToken({ iat: now() - 2 * HOUR, exp: now() - HOUR }), /expired/);
      await assertRefused(adminToken({ iat: now() - 900, exp: now() - 1 }), /expired/);
    });

    it("a token whose exp is not a number is 401", async () => {
      await assertRefused(adminToken({ exp: "9999999999" }));
      await assertRefused(adminToken({ exp: null }));
    });

    it("a token with no sub is 401", async () => {
      await assertRefused(adminToken({ sub: undefined }));
    });

    it("a token with no iat is 401", async () => {
      await assertRefused(adminToken({ iat: undefined }));
    });

    it("a token whose nbf is in the future is 401", async () => {
      await assertRefused(adminToken({ nbf: now() + HOUR }));
    });

    it("a token of another type (typ JWT, an ID token, none at all) is 401: only at+jwt is an access token", async () => {
      await assertRefused(adminToken({}, { typ: "JWT" }));
      await assertRefused(adminToken({}, { typ: "id+jwt" }));
      await assertRefused(adminToken({}, { typ: undefined }));
    });

    it("an expired token cached as verified before is 401 once it expires", async () => {
      const token = adminToken({ exp: now() + 60 });
      const first = await t.app.request("/admin/users", { headers: { Authorization: `Bearer ${token}` } });
      assert.equal(first.status, 200);
      t.clock.now += 61_000;
      await assertRefused(token, /expired/);
    });
  });
}
