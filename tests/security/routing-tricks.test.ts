import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import { registerConfirmed } from "../helpers/accounts.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { type RawResponse, rawRequest } from "../helpers/raw-http.ts";
import { serveOnPort } from "../helpers/serve-on-port.ts";
import { useShippedApp } from "../helpers/shipped-app.ts";
import { tokenFor } from "../helpers/test-app.ts";

for (const target of databaseTargets()) {
  describe(`routing tricks: no spelling of a path or method reaches an admin endpoint without the admin role (${target.name})`, () => {
    const t = useShippedApp(target);
    let served: Awaited<ReturnType<typeof serveOnPort>>;
    let victimId: string;
    let guest: string;
    let admin: string;

    before(async () => {
      served = await serveOnPort(t.app);
    });
    after(() => served.close());
    beforeEach(async () => {
      await registerConfirmed(t.app, t.smtp, "victim@example.com", "correct horse");
      victimId = (await t.database.db.selectFrom("users").select("id").executeTakeFirstOrThrow()).id;
      guest = await tokenFor(t.app, ["guest"], victimId);
      admin = await tokenFor(t.app, ["admin"]);
    });

    /** The request line and headers exactly as written: no client normalises the path. */
    const send = (method: string, path: string, token?: string, headers = ""): Promise<RawResponse> =>
      rawRequest(served.base, [
        `${method} ${path} HTTP/1.1\r\nHost: trellis.test\r\n${token ? `Authorization: Bearer ${token}\r\n` : ""}${headers}Content-Length: 0\r\nConnection: close\r\n\r\n`,
      ]);
    const errorCode = (res: RawResponse) => JSON.parse(res.body).error.code;
    const victimRoles = async () =>
      (await t.database.db.selectFrom("user_roles").select("role").where("user_id", "=", victimId).execute()).map((row) => row.role);

    it("dot segments (/auth/../admin/users, %2e%2e) resolve to the admin route and its role check: 401 without a token, 403 for a guest", async () => {
      for (const path of ["/auth/../admin/users", "/auth/%2e%2e/admin/users", "/auth/./../admin/./users", "/admin/%75sers"]) {
        const anonymous = await send("GET", path);
        assert.deepEqual([anonymous.status, errorCode(anonymous)], [401, "unauthorized"], path);
        const asGuest = await send("GET", path, guest);
        assert.deepEqual([asGuest.status, errorCode(asGuest)], [403, "forbidden"], path);
        assert.ok(!asGuest.body.includes("victim@example.com"), "no user data");
      }
    });

    it("encoded slashes (..%2f, %2f) match no route: 404, for a guest and an admin alike", async () => {
      for (const path of ["/auth/..%2fadmin/users", "/auth%2f..%2fadmin%2fusers", "/admin%2fusers", "/admin/users%2f"]) {
        for (const token of [guest, admin]) {
          const res = await send("GET", path, token);
          assert.deepEqual([res.status, errorCode(res)], [404, "not_found"], path);
        }
      }
    });

    it("double slashes, a trailing slash, ;params and %00 are other paths: 404 with no data", async () => {
      for (const path of [
        "//admin/users",
        "/admin//users",
        "/admin/users/",
        "/admin/users;role=admin",
        "/admin/users%00",
        "/admin/users/%2e",
      ]) {
        const res = await send("GET", path, guest);
        assert.deepEqual([res.status, errorCode(res)], [404, "not_found"], path);
        assert.ok(!res.body.includes("victim@example.com"));
      }
    });

    it("case tricks (/Admin/users, /ADMIN/USERS) are 404 even for an admin: no case-folded alias of a route exists", async () => {
      for (const path of ["/Admin/users", "/ADMIN/USERS", "/admin/Users", `/ADMIN/users/${victimId}/roles/admin`]) {
        const res = await send("GET", path, admin);
        assert.deepEqual([res.status, errorCode(res)], [404, "not_found"], path);
      }
    });

    it("method override headers are ignored: a GET that asks to be a PUT grants no role (405 with Allow)", async () => {
      const overrides = "X-HTTP-Method-Override: PUT\r\nX-HTTP-Method: PUT\r\nX-Method-Override: PUT\r\n";
      const res = await send("GET", `/admin/users/${victimId}/roles/admin`, admin, overrides);
      assert.equal(res.status, 405);
      assert.equal(errorCode(res), "method_not_allowed");
      assert.equal(res.headers.allow, "DELETE, PUT");
      const posted = await send("POST", `/admin/users/${victimId}/roles/admin?_method=PUT`, admin, overrides);
      assert.equal(posted.status, 405);
      assert.deepEqual(await victimRoles(), ["guest"]);
    });

    it("X-Original-URL and X-Rewrite-URL do not reroute a request: a guest's GET /auth/me stays /auth/me", async () => {
      const res = await send(
        "GET",
        "/auth/me",
        guest,
        "X-Original-URL: /admin/users\r\nX-Rewrite-URL: /admin/users\r\nX-Forwarded-Prefix: /admin\r\n",
      );
      assert.equal(res.status, 200);
      assert.equal(JSON.parse(res.body).email, "victim@example.com");
      assert.ok(!("users" in JSON.parse(res.body)));
    });

    it("HEAD on an admin endpoint checks the role like GET (401, 403) and never carries the list", async () => {
      assert.equal((await send("HEAD", "/admin/users")).status, 401);
      const asGuest = await send("HEAD", "/admin/users", guest);
      assert.equal(asGuest.status, 403);
      assert.equal(asGuest.body, "");
      const asAdmin = await send("HEAD", "/admin/users", admin);
      assert.equal(asAdmin.status, 200);
      assert.equal(asAdmin.body, "", "a HEAD answer has no body");
    });

    it("OPTIONS on an admin endpoint is 405 with Allow and reveals nothing (no CORS grant, no data)", async () => {
      const res = await send(
        "OPTIONS",
        "/admin/users",
        undefined,
        "Origin: https://evil.example\r\nAccess-Control-Request-Method: GET\r\n",
      );
      assert.equal(res.status, 405);
      assert.equal(errorCode(res), "method_not_allowed");
      assert.equal(res.headers.allow, "GET, HEAD");
      assert.equal(res.headers["access-control-allow-origin"], undefined);
    });

    it("unknown and unsafe methods (PROPFIND, TRACE, PATCH, DELETE) are 405 with Allow; TRACE echoes no header back", async () => {
      for (const method of ["PROPFIND", "TRACE", "PATCH", "DELETE", "PURGE"]) {
        const res = await send(method, "/admin/users", admin);
        assert.deepEqual([res.status, errorCode(res), res.headers.allow], [405, "method_not_allowed", "GET, HEAD"], method);
        assert.ok(!res.body.includes(admin), `${method} does not echo the token`);
      }
    });

    it("an absolute-form request target (GET http://evil/admin/users) is routed by its path and checked: 403 for a guest", async () => {
      const res = await send("GET", "http://evil.example/admin/users", guest);
      assert.deepEqual([res.status, errorCode(res)], [403, "forbidden"]);
    });

    it("a NUL (%00) in a path parameter is 400 naming it, not a 500 from the database", async () => {
      const res = await send("DELETE", `/admin/users/${victimId}/roles/gu%00est`, admin);
      assert.equal(res.status, 400);
      const { error } = JSON.parse(res.body);
      assert.equal(error.code, "validation_failed");
      assert.ok(error.details.role);
      assert.deepEqual(await victimRoles(), ["guest"]);
    });
  });
}
