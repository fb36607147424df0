import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { loadApp } from "../../src/loader/load-app.ts";
import { formatIssue } from "../../src/loader/load-issue.ts";
import { tempDir } from "../helpers/test-app.ts";

async function check(file: string, text: string): Promise<string[]> {
  const dir = tempDir();
  fs.mkdirSync(path.dirname(path.join(dir, "endpoints", file)), { recursive: true });
  fs.writeFileSync(path.join(dir, "endpoints", file), text);
  const { issues } = await loadApp(dir);
  return issues.map((issue) => formatIssue(issue, dir));
}

describe("references to input fields", () => {
  it("refuses a field the input schema does not declare, suggesting what it has", async () => {
    const issues = await check(
      "rate.post.yaml",
      'allow: public\ninput:\n  body:\n    rating: { type: integer }\nresponse:\n  body: { got: "${body.ratng}" }\n',
    );
    assert.deepEqual(issues, [
      'endpoints/rate.post.yaml:6:16 unknown reference "${body.ratng}": body has no field "ratng" (it has rating)',
    ]);
  });

  it("refuses body fields on an endpoint that declares no body, and query fields not declared", async () => {
    const issues = await check(
      "look.get.yaml",
      'allow: public\ninput:\n  query:\n    q?: { type: string }\nresponse:\n  body: { a: "${body.x}", b: "${query.page}" }\n',
    );
    assert.equal(issues.length, 2);
    assert.match(issues[0] ?? "", /body has no field "x" \(it has none\)/);
    assert.match(issues[1] ?? "", /query has no field "page" \(it has q\)/);
  });

  it("accepts declared fields, nested paths below them, and any field of a schema that allows others", async () => {
    const issues = await check(
      "ok.post.yaml",
      'allow: public\ninput:\n  body:\n    type: object\n    properties: { a: { type: object } }\nresponse:\n  body: { a: "${body.a.deep}", b: "${body.anything}" }\n',
    );
    assert.deepEqual(issues, []);
  });
});
