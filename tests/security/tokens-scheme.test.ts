import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { registerConfirmed } from "../helpers/accounts.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { rawRequest } from "../helpers/raw-http.ts";
import { serveOnPort } from "../helpers/serve-on-port.ts";
import { useShippedApp } from "../helpers/shipped-app.ts";
import { json, tokenFor } from "../helpers/test-app.ts";

for (const target of databaseTargets()) {
  describe(`Authorization header tricks: only one Bearer token is read, and a bad header is 401 (${target.name})`, () => {
    const t = useShippedApp(target);
    let served: Awaited<ReturnType<typeof serveOnPort>>;
    let victimId: string;

    before(async () => {
      served = await serveOnPort(t.app);
    });
    after(() => served.close());
    beforeEach(async () => {
      await registerConfirmed(t.app, t.smtp, "victim@example.com", "correct horse");
      victimId = (await t.database.db.selectFrom("users").select("id").executeTakeFirstOrThrow()).id;
    });

    const victimRoles = async () =>
      (await t.database.db.selectFrom("user_roles").select("role").where("user_id", "=", victimId).execute()).map((row) => row.role);
    const grantAdmin = (authorization: string) =>
      t.app.request(`/admin/users/${victimId}/roles/admin`, { method: "PUT", headers: { Authorization: authorization } });
    async function assertInvalidToken(res: Response) {
      assert.equal(res.status, 401);
      assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
      assert.equal((await res.json()).error.code, "invalid_token");
    }

    it("the scheme is matched case-insensitively (RFC 7235), so bearer and BEARER carry a token like Bearer", async () => {
      const admin = await tokenFor(t.app, ["admin"]);
      assert.equal((await grantAdmin(`bearer ${admin}`)).status, 204);
      assert.equal((await grantAdmin(`BEARER ${admin}`)).status, 204);
    });

    it("Basic credentials (even the right email and password), Token, Digest or no scheme at all are 401", async () => {
      const admin = await tokenFor(t.app, ["admin"]);
      const basic = Buffer.from("victim@example.com:correct horse").toString("base64");
      for (const header of [`Basic ${basic}`, `Token ${admin}`, `Digest ${admin}`, admin, `Bearer:${admin}`])
        await assertInvalidToken(await grantAdmin(header));
      assert.deepEqual(await victimRoles(), ["guest"]);
    });

    it("an empty Bearer, two tokens in one header, or a token with a word after it is 401", async () => {
      const admin = await tokenFor(t.app, ["admin"]);
      for (const header of ["Bearer", "Bearer ", `Bearer ${admin}, Bearer ${admin}`, `Bearer ${admin} admin`, `Bearer Bearer ${admin}`]) {
        await assertInvalidToken(await grantAdmin(header));
      }
      assert.deepEqual(await victimRoles(), ["guest"]);
    });

    it("a bad Authorization header on a public endpoint is 401 too: login issues no tokens", async () => {
      const res = await t.app.request(
        "/auth/login",
        json({ email: "victim@example.com", password: "correct horse" }, { Authorization: "Bearer nope.nope.nope" }),
      );
      await assertInvalidToken(res);
      assert.equal((await t.database.db.selectFrom("refresh_tokens").selectAll().execute()).length, 0);
    });

    it("a second Authorization header cannot add an admin token to a guest's request (the first one counts)", async () => {
      const guest = await tokenFor(t.app, ["guest"], victimId);
      const admin = await tokenFor(t.app, ["admin"]);
      const request = (first: string, second: string) =>
        rawRequest(served.base, [
          `PUT /admin/users/${victimId}/roles/admin HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${first}\r\nAuthorization: Bearer ${second}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
        ]);
      const guestFirst = await request(guest, admin);
      assert.equal(guestFirst.status, 403);
      assert.equal(JSON.parse(guestFirst.body).error.code, "forbidden");
      const forgedFirst = await request(`${admin.slice(0, -4)}AAAA`, admin);
      assert.equal(forgedFirst.status, 401);
      assert.equal(JSON.parse(forgedFirst.body).error.code, "invalid_token");
      assert.deepEqual(await victimRoles(), ["guest"]);
    });
  });
}
