import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TrellisApp } from "../../src/create-app.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { createNotesTable } from "../helpers/notes-table.ts";
import { createTestApp, fixture, json } from "../helpers/test-app.ts";

const [target] = databaseTargets();

describe("HTTP errors: one JSON envelope for every failure", () => {
  let database: DatabaseHandle;
  let app: TrellisApp;

  before(async () => {
    database = await (target ?? assert.fail("no database")).open();
    await createNotesTable(database);
    app = await createTestApp({ appDir: fixture("engine"), database, env: { BODY_LIMIT: "2048" } });
  });
  after(async () => {
    await app.close();
    await database.close();
  });

  const expectError = async (res: Response, status: number, code: string) => {
    assert.equal(res.status, status);
    assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    const body = await res.json();
    assert.equal(body.error.code, code);
    assert.equal(typeof body.error.message, "string");
    return body.error;
  };

  it("400 names each bad field: missing, wrong type, too long, not allowed", async () => {
    const error = await expectError(
      await app.request("/notes", json({ body: 5, extra: true, title: "x".repeat(101) })),
      400,
      "validation_failed",
    );
    assert.deepEqual(Object.keys(error.details).sort(), ["body", "extra", "title"]);
    assert.match(error.details.extra, /not an allowed field/);
    const missing = await expectError(await app.request("/notes", json({})), 400, "validation_failed");
    assert.equal(missing.details.title, "is required");
  });

  it("nests shorthand: a field holding a map of fields is an object with its own required and unknown fields", async () => {
    const ok = await app.request("/nested", json({ user: { email: "a@example.com" }, role: "reader" }));
    assert.deepEqual([ok.status, await ok.json()], [200, { email: "a@example.com", role: "reader" }]);
    const error = await expectError(
      await app.request("/nested", json({ user: { name: "A", extra: 1 }, role: "boss" })),
      400,
      "validation_failed",
    );
    assert.deepEqual(Object.keys(error.details).sort(), ["role", "user.email", "user.extra"]);
  });

  it("400 when the body is not a JSON object", async () => {
    const error = await expectError(await app.request("/notes", json([1, 2])), 400, "validation_failed");
    assert.ok(error.details.body);
  });

  it("400 invalid_json for a body that is not JSON", async () => {
    const res = await app.request("/notes", { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"title": ' });
    await expectError(res, 400, "invalid_json");
  });

  it("415 for a body of another content type", async () => {
    const res = await app.request("/notes", { method: "POST", headers: { "Content-Type": "text/plain" }, body: "title=x" });
    await expectError(res, 415, "unsupported_media_type");
  });

  it("413 for a body over the configured limit, by Content-Length and by what is actually read", async () => {
    const big = JSON.stringify({ title: "x".repeat(4000) });
    await expectError(await app.request("/notes", json(JSON.parse(big))), 413, "payload_too_large");
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(big));
        controller.close();
      },
    });
    const chunked = await app.request("/notes", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    await expectError(chunked, 413, "payload_too_large");
  });

  it("400 for a body sent to an endpoint that declares none", async () => {
    const error = await expectError(await app.request("/early", json({ stop: true, surprise: 1 })), 400, "validation_failed");
    assert.deepEqual(Object.keys(error.details), ["surprise"]);
  });

  it("404 for an unknown route", async () => {
    await expectError(await app.request("/no/such/route"), 404, "not_found");
  });

  it("405 with Allow for a known path and the wrong method", async () => {
    const res = await app.request("/notes", { method: "PATCH" });
    await expectError(res, 405, "method_not_allowed");
    assert.equal(res.headers.get("allow"), "GET, HEAD, POST");
  });

  it("unknown query parameters are dropped, not passed on", async () => {
    const res = await app.request("/greet?name=Ann&admin=true");
    assert.equal(res.status, 200);
  });

  it("every answer carries nosniff too: successes, errors and the pages trellis serves itself", async () => {
    const answers = {
      success: await app.request("/greet?name=A"),
      "404": await app.request("/nope"),
      "405": await app.request("/notes", { method: "PATCH" }),
      "400": await app.request("/notes", json({ nope: 1 })),
      healthz: await app.request("/healthz"),
      openapi: await app.request("/openapi.json"),
      docs: await app.request("/docs"),
      "docs script": await app.request("/docs/init.js"),
    };
    for (const [what, res] of Object.entries(answers)) assert.equal(res.headers.get("x-content-type-options"), "nosniff", what);
  });
});
