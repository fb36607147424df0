import assert from "node:assert/strict";
import path from "node:path";
import { before, describe, it } from "node:test";
import { isPlainSelect } from "../../src/loader/lint.ts";
import { type LoadResult, loadApp } from "../../src/loader/load-app.ts";
import { formatIssue } from "../../src/loader/load-issue.ts";
import { fixture } from "../helpers/test-app.ts";
import { WARNING_LINES } from "../helpers/warnings-fixture.ts";

describe("loadApp warnings", () => {
  const dir = fixture("warnings");
  let result: LoadResult;
  before(async () => {
    result = await loadApp(dir);
  });

  it("reports exactly these lines, as file:line:col warning: message", () => {
    assert.deepEqual(
      result.issues.map((issue) => formatIssue(issue, dir)),
      WARNING_LINES,
    );
  });

  it("still returns the app: warnings never stop it", () => {
    assert.ok(result.app);
    assert.equal(result.app.endpoints.length, 7);
    for (const issue of result.issues) assert.equal(issue.severity, "warning");
  });

  it("reports nothing for the repo's own app", async () => {
    const shipped = await loadApp(path.resolve(import.meta.dirname, "..", ".."));
    assert.deepEqual(
      shipped.issues.map((issue) => formatIssue(issue)),
      [],
    );
  });
});

describe("isPlainSelect", () => {
  it("takes a select or a with … select that writes nothing", () => {
    assert.ok(isPlainSelect("select count(*) from users"));
    assert.ok(isPlainSelect("  (SELECT 1)"));
    assert.ok(isPlainSelect("with recent as (select * from log) select * from recent"));
    assert.ok(isPlainSelect("select * from users where note = 'delete me' -- update later"));
    assert.ok(isPlainSelect("select id from users for update"));
    assert.ok(isPlainSelect("select updated_at from users"));
  });

  it("refuses anything else", () => {
    assert.ok(!isPlainSelect("update users set name = :name"));
    assert.ok(!isPlainSelect("insert into notes (title) values ('x')"));
    assert.ok(!isPlainSelect("with gone as (delete from notes returning *) select count(*) from gone"));
    assert.ok(!isPlainSelect("select * into archive from notes"));
    assert.ok(!isPlainSelect("/* select */ delete from notes"));
    assert.ok(!isPlainSelect("truncate notes"));
  });
});
