import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TrellisApp } from "../../src/create-app.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { loadApp } from "../../src/loader/load-app.ts";
import { formatIssue } from "../../src/loader/load-issue.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { createTestApp, fixture, json, tokenFor } from "../helpers/test-app.ts";

describe("trellis.yaml: prefix, token scheme, error envelope; when: comparisons", () => {
  let database: DatabaseHandle;
  let app: TrellisApp;
  const token = (sub: string) => tokenFor(app, [], sub);
  const auth = async (sub: string) => ({ Authorization: `Token ${await token(sub)}` });

  before(async () => {
    database = await (databaseTargets()[0] ?? assert.fail("no database")).open();
    app = await createTestApp({ appDir: fixture("settings-app"), database });
  });
  after(async () => {
    await app.close();
    await database.close();
  });

  it("serves every endpoint under the prefix, and nothing at the bare path", async () => {
    const res = await app.request("/api/items", json({ name: "cup" }, await auth("ann")));
    assert.equal(res.status, 201);
    assert.deepEqual(await res.json(), { item: { name: "cup", owner: "ann" } });
    assert.equal((await app.request("/items", json({ name: "cup" }, await auth("ann")))).status, 404);
    assert.equal((await app.request("/healthz")).status, 200, "engine routes stay at the root");
  });

  it("accepts the app's scheme (Token) and refuses another (Bearer) with 401", async () => {
    const bearer = await app.request("/api/items", json({ name: "cup" }, { Authorization: `Bearer ${await token("ann")}` }));
    assert.equal(bearer.status, 401);
    assert.equal((await app.request("/api/items", json({ name: "cup" }, await auth("ann")))).status, 201);
  });

  it("answers validation failures with the app's status and envelope", async () => {
    const res = await app.request("/api/items", json({ size: "big" }, await auth("ann")));
    assert.equal(res.status, 422);
    const body = await res.json();
    assert.deepEqual(Object.keys(body), ["errors"]);
    assert.deepEqual(body.errors.body.sort(), ["name is required", "size must be integer"]);
  });

  it("uses the envelope for every error: a fail step, 401, 404 for an unknown route", async () => {
    const failed = await app.request("/api/items/nobody");
    assert.deepEqual([failed.status, await failed.json()], [404, { errors: { body: ["No items for this owner"] } }]);
    const anonymous = await app.request("/api/items", json({ name: "cup" }));
    assert.deepEqual([anonymous.status, await anonymous.json()], [401, { errors: { body: ["A valid access token is required"] } }]);
    assert.equal(anonymous.headers.get("www-authenticate"), 'Token realm="trellis"', "the challenge names the app's scheme");
    const unknown = await app.request("/api/nothing");
    assert.deepEqual([unknown.status, await unknown.json()], [404, { errors: { body: ["No such route"] } }]);
  });

  it("lets only the owner through a `when: ${a} != ${b}` ownership check", async () => {
    assert.equal((await app.request("/api/items/ann", { method: "DELETE", headers: await auth("ann") })).status, 204);
    const other = await app.request("/api/items/ann", { method: "DELETE", headers: await auth("bob") });
    assert.deepEqual([other.status, await other.json()], [403, { errors: { body: ["Only its owner may delete this"] } }]);
  });

  it("compares with == too, with optional authentication on a public endpoint", async () => {
    assert.deepEqual(await (await app.request("/api/items/ann", { headers: await auth("ann") })).json(), { owner: "ann", mine: true });
    assert.deepEqual(await (await app.request("/api/items/ann", { headers: await auth("bob") })).json(), { owner: "ann", mine: false });
    assert.deepEqual(await (await app.request("/api/items/ann")).json(), { owner: "ann", mine: false }, "absent auth equals nobody");
  });

  it("answers CORS preflights for the listed origins only", async () => {
    const preflight = (origin: string) =>
      app.request("/api/items", {
        method: "OPTIONS",
        headers: {
          Origin: origin,
          "Access-Control-Request-Method": "POST",
          "Access-Control-Request-Headers": "authorization, content-type",
        },
      });
    const allowed = await preflight("https://app.example.com");
    assert.equal(allowed.headers.get("x-content-type-options"), "nosniff");
    assert.equal(allowed.status, 204);
    assert.equal(allowed.headers.get("access-control-allow-origin"), "https://app.example.com");
    assert.match(allowed.headers.get("access-control-allow-headers") ?? "", /Authorization/i);
    assert.equal((await preflight("https://evil.example.com")).headers.get("access-control-allow-origin"), null);
    const simple = await app.request("/api/items/ann", { headers: { Origin: "https://app.example.com" } });
    assert.equal(simple.headers.get("access-control-allow-origin"), "https://app.example.com");
    assert.equal(simple.headers.get("access-control-allow-credentials"), null, "no cookies: the token travels in a header");
  });

  it("puts the prefix into the OpenAPI paths", async () => {
    const doc = await (await app.request("/openapi.json")).json();
    assert.deepEqual(Object.keys(doc.paths).sort(), ["/api/items", "/api/items/{owner}"]);
  });

  it("reports every problem of a broken trellis.yaml with its position", async () => {
    const dir = fixture("settings-broken");
    const { app: loaded, issues } = await loadApp(dir);
    assert.equal(loaded, undefined);
    assert.deepEqual(
      issues.map((issue) => formatIssue(issue, dir)),
      [
        'trellis.yaml:1:9 prefix must be a path like "/api" (no trailing slash)',
        'trellis.yaml:3:3 unknown field "scheme" (did you mean "schemes"?)',
        "trellis.yaml:5:22 validation_status must be a 4xx status",
        'trellis.yaml:6:20 unknown reference "${err.message}": "err" is not defined here (known: error)',
      ],
    );
  });
});
