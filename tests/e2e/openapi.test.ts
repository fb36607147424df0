import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { validate } from "@scalar/openapi-parser";
import type { TrellisApp } from "../../src/create-app.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { documentServerUrl } from "../../src/server/openapi.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { createShippedApp, PUBLIC_URL } from "../helpers/shipped-app.ts";
import { startSmtp, type TestSmtp } from "../helpers/smtp.ts";
import { createTestApp, tempDir } from "../helpers/test-app.ts";

// biome-ignore lint/suspicious/noExplicitAny: the assertions check the shape at run time
type Json = Record<string, any>;

const METHODS = ["get", "post", "put", "patch", "delete"];

/** The document only depends on the loaded files, so the embedded database is enough. */
const [target] = databaseTargets();

describe("GET /openapi.json and GET /docs", () => {
  let database: DatabaseHandle;
  let smtp: TestSmtp;
  let app: TrellisApp;
  let doc: Json;

  before(async () => {
    assert.ok(target);
    database = await target.open();
    smtp = await startSmtp();
    app = await createShippedApp(database, smtp, { now: Date.parse("2026-03-01T12:00:00Z") });
    const res = await app.request("/openapi.json");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
    doc = await res.json();
  });
  after(async () => {
    await app.close();
    await smtp.close();
    await database.close();
  });

  const operations = (): [string, string, Json][] =>
    Object.entries(doc.paths as Record<string, Json>).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([method]) => METHODS.includes(method))
        .map(([method, operation]) => [method, path, operation as Json] as [string, string, Json]),
    );

  it("is a valid OpenAPI 3.1 document", async () => {
    assert.equal(doc.openapi, "3.1.0");
    const { valid, errors } = await validate(structuredClone(doc));
    assert.deepEqual(errors, []);
    assert.equal(valid, true);
  });

  it("names PUBLIC_URL as its server", () => {
    assert.deepEqual(doc.servers, [{ url: PUBLIC_URL }]);
  });

  it("lists every loaded route, and nothing else, each with a unique operationId", () => {
    const expected = app.loaded.endpoints.map((e) => `${e.method} ${e.pattern.replace(/:(\w+)/g, "{$1}")}`).sort();
    const listed = operations()
      .map(([method, path]) => `${method} ${path}`)
      .sort();
    assert.deepEqual(listed, expected);
    assert.ok(listed.includes("post /auth/login"));
    assert.ok(listed.includes("put /admin/users/{id}/roles/{role}"));
    const ids = operations().map(([, , operation]) => operation.operationId);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(ids.every((id) => typeof id === "string" && /^[A-Za-z0-9]+$/.test(id)));
  });

  it("asks for a bearer token on every non-public operation, and names the roles", () => {
    assert.deepEqual(doc.components.securitySchemes.bearerAuth, {
      ...doc.components.securitySchemes.bearerAuth,
      type: "http",
      scheme: "bearer",
      bearerFormat: "JWT",
    });
    for (const endpoint of app.loaded.endpoints) {
      const operation = doc.paths[endpoint.pattern.replace(/:(\w+)/g, "{$1}")][endpoint.method] as Json;
      const where = `${endpoint.method} ${endpoint.pattern}`;
      if (endpoint.allow === "public") {
        assert.deepEqual(operation.security, [{}, { bearerAuth: [] }], where);
        // A public endpoint forbids no role; its steps may still refuse an account (a disabled one, say).
        assert.doesNotMatch(operation.responses["403"]?.description ?? "", /`forbidden`/, where);
      } else {
        assert.deepEqual(operation.security, [{ bearerAuth: [] }], where);
        assert.ok(operation.responses["401"], `${where} lists 401`);
      }
      if (Array.isArray(endpoint.allow)) {
        assert.ok(operation.responses["403"], `${where} lists 403`);
        assert.match(operation.description, new RegExp(`Allowed roles: ${endpoint.allow.join(", ")}`), where);
      }
      assert.ok(operation.responses["500"], `${where} lists 500`);
    }
    assert.deepEqual(doc.paths["/admin/users"].get.security, [{ bearerAuth: [] }]);
    assert.deepEqual(doc.paths["/auth/me"].get.security, [{ bearerAuth: [] }]);
  });

  it("describes POST /auth/login: its body schema, cleaned of trellis keywords, and its errors", () => {
    const login = doc.paths["/auth/login"].post as Json;
    assert.equal(login.tags[0], "auth");
    assert.equal(login.requestBody.required, true);
    const schema = login.requestBody.content["application/json"].schema as Json;
    assert.equal(schema.type, "object");
    assert.deepEqual([...schema.required].sort(), ["email", "password"]);
    assert.equal(schema.properties.email.type, "string");
    assert.equal(schema.properties.password.type, "string");
    assert.equal(schema.properties.email.transform, undefined);
    assert.equal(schema.properties.password.maxBytes, undefined);
    assert.equal(schema.properties.password["x-max-bytes"], 72);
    assert.doesNotMatch(JSON.stringify(doc), /"(transform|literal|maxBytes|minBytes)"/);

    for (const status of ["200", "400", "401", "429", "500"]) assert.ok(login.responses[status], `login lists ${status}`);
    assert.deepEqual(login.responses["400"].content["application/json"].schema, { $ref: "#/components/schemas/Error" });
    assert.ok(login.responses["429"].headers["Retry-After"]);
    const error = doc.components.schemas.Error as Json;
    assert.deepEqual(error.required, ["error"]);
    assert.deepEqual(Object.keys(error.properties.error.properties).sort(), ["code", "details", "message"]);
  });

  it("has both path parameters of /admin/users/{id}/roles/{role}, required, and the query of /admin/users", () => {
    for (const method of ["put", "delete"]) {
      const operation = doc.paths["/admin/users/{id}/roles/{role}"][method] as Json;
      const params = (operation.parameters as Json[]).filter((p) => p.in === "path");
      assert.deepEqual(params.map((p) => p.name).sort(), ["id", "role"]);
      assert.ok(params.every((p) => p.required === true));
      assert.equal(params.find((p) => p.name === "id")?.schema.format, "uuid");
      assert.ok(operation.responses["204"]);
      assert.equal(operation.responses["204"].content, undefined);
    }
    const list = doc.paths["/admin/users"].get as Json;
    const query = (list.parameters as Json[]).filter((p) => p.in === "query");
    assert.deepEqual(query.map((p) => [p.name, p.required]).sort(), [
      ["confirmed", false],
      ["disabled", false],
      ["email", false],
      ["limit", false],
      ["offset", false],
      ["role", false],
    ]);
    const confirm = doc.paths["/auth/confirm"].get as Json;
    assert.deepEqual(
      confirm.parameters.map((p: Json) => [p.name, p.in, p.required]),
      [["token", "query", true]],
    );
    assert.ok(confirm.responses["200"].content["text/html"]);
  });

  it("serves an interactive page at /docs that reads /openapi.json and loads nothing from another origin", async () => {
    const res = await app.request("/docs");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
    const html = await res.text();
    assert.match(html, /<html/i);
    assert.doesNotMatch(html, /(https?:)?\/\/[a-z0-9.-]+/i, "the page names no origin, so it works offline and tells no third party");
    assert.doesNotMatch(html, /<script>|<style>|\son[a-z]+=/i, "no inline script or style");
    const policy = res.headers.get("content-security-policy") ?? "";
    assert.match(policy, /default-src 'none'/);
    assert.match(policy, /script-src 'self'(;|$)/);
    assert.doesNotMatch(policy, /https?:|\*/);

    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1] ?? "");
    assert.deepEqual(sources.sort(), ["/docs/favicon-32x32.png", "/docs/init.js", "/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css"]);
    for (const source of sources) {
      const asset = await app.request(source, { headers: { "Accept-Encoding": "gzip" } });
      assert.equal(asset.status, 200, source);
      assert.ok((await asset.arrayBuffer()).byteLength > 0, source);
    }
    const init = await (await app.request("/docs/init.js")).text();
    assert.match(init, /url: "\/openapi\.json"/);
    assert.match(init, /validatorUrl: null/, "Swagger UI's online validator is off");
  });

  it("takes the server from the request when PUBLIC_URL is the default", () => {
    assert.equal(
      documentServerUrl("http://127.0.0.1:4567/openapi.json", { port: 0, publicUrl: "http://localhost:0" }),
      "http://127.0.0.1:4567",
    );
    assert.equal(
      documentServerUrl("http://10.0.0.1/openapi.json", { port: 3000, publicUrl: "https://api.example.com" }),
      "https://api.example.com",
    );
  });

  describe("an app of its own", () => {
    let own: TrellisApp;
    let dir: string;

    before(async () => {
      dir = tempDir();
      fs.writeFileSync(path.join(dir, "roles.yaml"), "guest: {}\nadmin:\n  implies: [guest]\n");
      write(dir, "endpoints/notes/index.post.yaml", NOTE_POST);
      write(dir, "endpoints/ping.get.yaml", "allow: public\nresponse:\n  body: { pong: true }\n");
      own = await createTestApp({ appDir: dir, database });
    });
    after(() => own.close());

    const fetchDoc = async (): Promise<Json> => (await own.request("/openapi.json")).json();

    it("keeps body fields named like trellis keywords, turns x-example into examples, and names implied roles", async () => {
      const doc = await fetchDoc();
      const operation = doc.paths["/notes"].post as Json;
      assert.deepEqual(operation.tags, ["notes"]);
      assert.match(operation.description, /Allowed roles: guest \(also granted to admin/);
      const schema = operation.requestBody.content["application/json"].schema as Json;
      assert.deepEqual(Object.keys(schema.properties).sort(), ["literal", "pair", "transform"]);
      assert.deepEqual(schema.properties.transform, { type: "string", "x-min-bytes": 1, examples: ["upper"] });
      assert.deepEqual(schema.properties.pair.prefixItems, [{ type: "string" }, { type: "integer" }]);
      assert.equal(schema.properties.pair.items, false);
      assert.equal(operation.requestBody.required, false, "no field is required, so no body is needed");
      assert.equal(operation.responses["409"].content["application/json"].schema.$ref, "#/components/schemas/Error");
      assert.equal(doc.paths["/ping"].get.tags, undefined);
      assert.deepEqual(doc.paths["/ping"].get.responses["200"].content["application/json"].example, { pong: true });
      const { valid, errors } = await validate(doc);
      assert.deepEqual(errors, []);
      assert.equal(valid, true);
    });

    it("follows a reload: a new file is a new operation", async () => {
      write(dir, "endpoints/notes/[id].delete.yaml", "allow: authenticated\n");
      const result = await own.reload();
      assert.ok(result.app, JSON.stringify(result.issues));
      const doc = await fetchDoc();
      const operation = doc.paths["/notes/{id}"].delete as Json;
      assert.deepEqual(operation.security, [{ bearerAuth: [] }]);
      assert.ok(operation.responses["401"]);
      assert.equal(operation.responses["403"], undefined, "any signed-in user passes: never 403");
      assert.deepEqual(
        operation.parameters.map((p: Json) => [p.name, p.in, p.required]),
        [["id", "path", true]],
      );
    });
  });
});

const NOTE_POST = `allow: [guest]
input:
  body:
    transform?: { type: string, minBytes: 1, x-example: upper }
    literal?: { type: string, transform: [trim] }
    pair?: { type: array, items: [{ type: string }, { type: integer }], minItems: 2, additionalItems: false }
steps:
  - fail: { status: 409, code: note_exists, message: There is such a note already. }
    when: "\${body.literal}"
response:
  status: 201
  body: { ok: true }
`;

function write(dir: string, file: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  fs.writeFileSync(path.join(dir, file), text);
}
