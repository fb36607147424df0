import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { before, describe, it } from "node:test";
import { Ajv, type ValidateFunction } from "ajv";
import { parse } from "yaml";
import type { AnyAction } from "../../src/actions/define-action.ts";
import { builtinActions } from "../../src/actions/registry.ts";
import { appActions } from "../../src/cli/schema.ts";
import { addFormats } from "../../src/loader/ajv.ts";
import { INPUT_KEYS, RESPONSE_KEYS, TOP_LEVEL_KEYS } from "../../src/loader/compile-endpoint.ts";
import { createEndpointSchema } from "../../src/loader/endpoint-schema.ts";
import { fixture } from "../helpers/test-app.ts";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const SCHEMA_FILE = path.join(ROOT, "schema", "endpoint.schema.json");

function yamlFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
}

/** The endpoint files this repository ships (tracked by git), not ones a reader adds while following the tutorial. */
function shippedEndpointFiles(): string[] {
  try {
    const tracked = execFileSync("git", ["ls-files", "endpoints"], { cwd: ROOT, encoding: "utf8" });
    return tracked
      .split("\n")
      .filter((file) => /\.ya?ml$/.test(file))
      .map((file) => path.join(ROOT, file));
  } catch {
    return yamlFiles(path.join(ROOT, "endpoints"));
  }
}

/** A plain draft-07 validator, as an editor has: no trellis keywords, so none may leak into the schema. */
function compile(schema: unknown): ValidateFunction {
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });
  addFormats(ajv);
  return ajv.compile(schema as object);
}

const errorsOf = (validate: ValidateFunction, value: unknown): string =>
  validate(value) ? "" : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`).join("; ");

describe("schema/endpoint.schema.json", () => {
  let actions: Map<string, AnyAction>;
  let validate: ValidateFunction;
  before(async () => {
    const loaded = await appActions(ROOT);
    assert.deepEqual(loaded.issues, []);
    actions = loaded.actions;
    validate = compile(JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")));
  });

  it("is what `trellis schema` makes of the built-in actions and the repo's own (regenerate it: node bin/trellis.js schema > schema/endpoint.schema.json)", () => {
    const committed = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8"));
    assert.deepEqual(committed, JSON.parse(JSON.stringify(createEndpointSchema(actions))));
  });

  it("offers every built-in action as a step, with its description", () => {
    const schema = createEndpointSchema(builtinActions) as {
      definitions: { step: { properties: Record<string, { description?: string }> } };
    };
    const steps = schema.definitions.step.properties;
    for (const [name, action] of builtinActions) assert.equal(steps[name]?.description, action.description, name);
    assert.deepEqual(Object.keys(steps).sort(), ["as", "when", ...builtinActions.keys()].sort());
  });

  it("describes exactly the fields the loader knows, and flags any other", () => {
    interface Node {
      properties: Record<string, unknown>;
      additionalProperties: unknown;
    }
    const schema = createEndpointSchema(builtinActions) as unknown as Node & {
      properties: { input: Node };
      definitions: { response: Node };
    };
    for (const [node, keys] of [
      [schema, TOP_LEVEL_KEYS],
      [schema.properties.input, INPUT_KEYS],
      [schema.definitions.response, RESPONSE_KEYS],
    ] as const) {
      assert.deepEqual(Object.keys(node.properties).sort(), [...keys].sort());
      assert.equal(node.additionalProperties, false);
    }
  });

  it("accepts every shipped endpoint file, each pointing its editor at the schema on its first line", () => {
    const files = shippedEndpointFiles();
    assert.ok(files.length > 0);
    for (const file of files) {
      const text = fs.readFileSync(file, "utf8");
      const modeline = `# yaml-language-server: $schema=${path.relative(path.dirname(file), SCHEMA_FILE)}`;
      assert.equal(text.split("\n")[0], modeline, path.relative(ROOT, file));
      assert.equal(errorsOf(validate, parse(text)), "", path.relative(ROOT, file));
    }
  });

  it("accepts every file of the good fixture", () => {
    const files = yamlFiles(path.join(fixture("good"), "endpoints"));
    assert.ok(files.length > 0);
    for (const file of files) assert.equal(errorsOf(validate, parse(fs.readFileSync(file, "utf8"))), "", file);
  });

  it("flags a misspelt top-level field", () => {
    const errors = errorsOf(validate, parse("alow: public\nresponse:\n  body: { ok: true }\n"));
    assert.match(errors, /must NOT have additional properties/);
    assert.match(errors, /must have required property 'allow'/);
  });

  it("flags an unknown action, and a step with two", () => {
    assert.match(errorsOf(validate, parse("allow: public\nsteps:\n  - db.inser: { table: notes, values: { title: x } }\n")), /\/steps\/0/);
    assert.notEqual(
      errorsOf(validate, parse("allow: public\nsteps:\n  - fail: { status: 400, code: x, message: x }\n    log: { event: x }\n")),
      "",
    );
  });

  it("takes a ${…} reference wherever the loader does, but not for a literal option", () => {
    const step = (yaml: string) => errorsOf(validate, parse(`allow: public\nsteps:\n  - ${yaml}\n`));
    assert.equal(step('db.select: { table: notes, limit: "${query.limit}", where: "${query}" }'), "");
    assert.equal(step('fail: { status: "${query.status}", code: "${query.code}", message: x }'), "");
    assert.equal(step('send-mail: { to: "${body.email}", subject: Hi, text: "Hello ${body.name}" }'), "");
    assert.notEqual(step('rate-limit: { key: "k:${request.ip}", limit: "${query.limit}", window: 1h }'), "");
    assert.notEqual(step('db.select: { table: "${query.table}" }'), "");
    assert.notEqual(step('fail: { status: 400, code: "${query.code} x", message: x }'), "");
  });

  it("takes the shorthand and full-schema forms of input, with trellis's keywords", () => {
    const input = (yaml: string) => errorsOf(validate, parse(`allow: public\ninput:\n${yaml}`));
    assert.equal(
      input("  body:\n    email: { type: string, transform: [trim, toLowerCase], format: email }\n    age?: { type: integer }\n"),
      "",
    );
    assert.equal(input("  query: { type: object, properties: { q: { type: string, maxBytes: 100 } } }\n"), "");
    assert.notEqual(input("  body:\n    email: { type: strng }\n"), "");
    assert.notEqual(input("  headers: {}\n"), "");
  });
});
