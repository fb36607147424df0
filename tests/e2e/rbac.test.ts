import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { SignJWT } from "jose";
import { createKeyStore } from "../../src/auth/key-store.ts";
import { loadConfig } from "../../src/config.ts";
import type { TrellisApp } from "../../src/create-app.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { bearer, createTestApp, fixture, TEST_JWT_SECRET, tokenFor } from "../helpers/test-app.ts";

const [target] = databaseTargets();

describe("RBAC on allow: [admin]", () => {
  let database: DatabaseHandle;
  let app: TrellisApp;
  let clock = Date.parse("2026-01-01T00:00:00Z");

  before(async () => {
    database = await (target ?? assert.fail("no database")).open();
    app = await createTestApp({ appDir: fixture("engine"), database, now: () => new Date(clock) });
  });
  after(async () => {
    await app.close();
    await database.close();
  });

  const call = (headers: Record<string, string> = {}) => app.request("/admin-only", { headers });

  it("answers 401 with WWW-Authenticate: Bearer when no token is sent", async () => {
    const res = await call();
    assert.equal(res.status, 401);
    assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
    const body = await res.json();
    assert.equal(body.error.code, "unauthorized");
  });

  it("answers 401 for a tampered token", async () => {
    const token = await tokenFor(app, ["guest"]);
    const [header, payload, signature] = token.split(".");
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, roles: ["admin"] })).toString("base64url");
    const res = await call(bearer(`${header}.${forged}.${signature}`));
    assert.equal(res.status, 401);
    assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
  });

  it("answers 401 for an alg: none token", async () => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const now = Math.floor(clock / 1000);
    const claims = { iss: "trellis", aud: "trellis", sub: "x", roles: ["admin"], iat: now, exp: now + 600 };
    const res = await call(bearer(`${encode({ alg: "none", typ: "at+jwt" })}.${encode(claims)}.`));
    assert.equal(res.status, 401);
  });

  it("answers 401 for a token signed with another key, issuer or type", async () => {
    const other = await createKeyStore(loadConfig({ JWT_SECRET: "another-secret-that-is-at-least-32-bytes", DATA_DIR: "/tmp" }), {
      now: () => new Date(clock),
    });
    const foreign = await other.signAccessToken("x", { roles: ["admin"] });
    assert.equal((await call(bearer(foreign.token))).status, 401);

    const wrongIssuer = await createKeyStore(loadConfig({ JWT_SECRET: TEST_JWT_SECRET, JWT_ISSUER: "someone-else", DATA_DIR: "/tmp" }), {
      now: () => new Date(clock),
    });
    assert.equal((await call(bearer((await wrongIssuer.signAccessToken("x", { roles: ["admin"] })).token))).status, 401);

    const now = Math.floor(clock / 1000);
    const idToken = await new SignJWT({ roles: ["admin"] })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer("trellis")
      .setAudience("trellis")
      .setSubject("x")
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(new TextEncoder().encode(TEST_JWT_SECRET));
    assert.equal((await call(bearer(idToken))).status, 401, "a token without typ at+jwt is not an access token");
  });

  it("answers 401 for an expired token, by the injected clock", async () => {
    const token = await tokenFor(app, ["admin"]);
    assert.equal((await call(bearer(token))).status, 200);
    clock += 16 * 60 * 1000;
    const res = await call(bearer(token));
    assert.equal(res.status, 401);
    assert.match((await res.json()).error.message, /expired/);
  });

  it("answers 401 for a header that is not a bearer token", async () => {
    const token = await tokenFor(app, ["admin"]);
    assert.equal((await call({ Authorization: `Token ${token}` })).status, 401);
    assert.equal((await call({ Authorization: "Bearer" })).status, 401);
  });

  it("answers 403 for a guest token", async () => {
    const res = await call(bearer(await tokenFor(app, ["guest"])));
    assert.equal(res.status, 403);
    assert.equal((await res.json()).error.code, "forbidden");
  });

  it("answers 200 for an admin token", async () => {
    const res = await call(bearer(await tokenFor(app, ["admin"], "user-1")));
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { ok: true, sub: "user-1" });
  });

  it("lets admin reach a guest endpoint through implies, and not a user with no role", async () => {
    assert.equal((await app.request("/guest-only", { headers: bearer(await tokenFor(app, ["admin"])) })).status, 200);
    assert.equal((await app.request("/guest-only", { headers: bearer(await tokenFor(app, [])) })).status, 403);
    assert.equal((await app.request("/guest-only", { headers: bearer(await tokenFor(app, ["unknown-role"])) })).status, 403);
  });

  it("lets any signed-in user reach allow: authenticated, and exposes the token as ${auth}", async () => {
    assert.equal((await app.request("/whoami")).status, 401);
    const res = await app.request("/whoami", { headers: bearer(await tokenFor(app, [], "user-2")) });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { sub: "user-2", roles: [] });
  });

  it("sees the principal on a public endpoint when a valid token is sent, and refuses an invalid one there too", async () => {
    assert.deepEqual(await (await app.request("/open")).json(), {});
    const res = await app.request("/open", { headers: bearer(await tokenFor(app, [], "user-3")) });
    assert.deepEqual(await res.json(), { signed_in: "user-3" });
    assert.equal((await app.request("/open", { headers: bearer("not.a.token") })).status, 401);
  });

  it("checks the role before the input: an anonymous caller with a bad body gets 401, not 400", async () => {
    const res = await app.request("/notes/1", { method: "PUT", headers: { "Content-Type": "application/json" }, body: "{" });
    assert.equal(res.status, 401);
  });
});
