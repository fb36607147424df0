import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { type LoadResult, loadApp } from "../../src/loader/load-app.ts";
import { formatIssue } from "../../src/loader/load-issue.ts";
import { allLines, BROKEN_ERRORS, BROKEN_ROLES_ERRORS } from "../helpers/broken-fixtures.ts";
import { fixture } from "../helpers/test-app.ts";

describe("loadApp on a valid app", () => {
  const dir = fixture("good");
  let result: LoadResult;
  before(async () => {
    result = await loadApp(dir);
  });

  it("reports no issue at all, not even a warning", () => {
    assert.deepEqual(
      result.issues.map((issue) => formatIssue(issue, dir)),
      [],
    );
  });

  it("compiles every endpoint file into its route", () => {
    const routes = (result.app?.endpoints ?? []).map((endpoint) => `${endpoint.method.toUpperCase()} ${endpoint.pattern}`).sort();
    assert.deepEqual(routes, ["GET /", "GET /admin", "GET /hello", "GET /users/:id"]);
  });

  it("keeps allow: [admin] and the roles of roles.yaml", () => {
    const users = result.app?.endpoints.find((endpoint) => endpoint.pattern === "/users/:id");
    assert.deepEqual(users?.allow, ["admin"]);
    assert.deepEqual([...(result.app?.roles.names ?? [])], ["guest", "admin"]);
    assert.deepEqual([...(result.app?.roles.closure("admin") ?? [])].sort(), ["admin", "guest"]);
  });
});

describe("loadApp on a folder with one broken file per error class", () => {
  const dir = fixture("broken");
  let result: LoadResult;
  let lines: string[];
  before(async () => {
    result = await loadApp(dir);
    lines = result.issues.map((issue) => formatIssue(issue, dir));
  });

  it("returns no app and marks every issue as an error", () => {
    assert.equal(result.app, undefined);
    assert.ok(result.issues.length > 0);
    for (const issue of result.issues) assert.equal(issue.severity, "error", formatIssue(issue, dir));
  });

  for (const error of BROKEN_ERRORS) {
    it(`reports the ${error.name} as file:line:col message`, () => {
      for (const line of error.lines) assert.ok(lines.includes(line), `missing:\n  ${line}\nreported:\n  ${lines.join("\n  ")}`);
    });
  }

  it("reports exactly these lines, by file then position, and nothing else", () => {
    assert.deepEqual(lines, allLines(BROKEN_ERRORS));
  });

  it("does not blame the first of two files claiming one route", () => {
    assert.ok(!lines.some((line) => line.startsWith("endpoints/users/[id].get.yaml")));
  });
});

describe("loadApp with a broken roles.yaml", () => {
  const dir = fixture("broken-roles");
  let result: LoadResult;
  let lines: string[];
  before(async () => {
    result = await loadApp(dir);
    lines = result.issues.map((issue) => formatIssue(issue, dir));
  });

  it("returns no app", () => {
    assert.equal(result.app, undefined);
  });

  for (const error of BROKEN_ROLES_ERRORS) {
    it(`reports the ${error.name} at its place in roles.yaml`, () => {
      for (const line of error.lines) assert.ok(lines.includes(line), `missing:\n  ${line}\nreported:\n  ${lines.join("\n  ")}`);
    });
  }

  it("reports only the roles file, not its valid endpoint", () => {
    assert.deepEqual(lines, allLines(BROKEN_ROLES_ERRORS));
  });
});
