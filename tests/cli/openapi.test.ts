import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { validate } from "@scalar/openapi-parser";
import { runTrellis } from "../helpers/cli.ts";

/** stdout alone: runTrellis's output() mixes in stderr. */
async function openapi(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const run = runTrellis(["openapi", ...args], env);
  let stdout = "";
  let stderr = "";
  run.child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  run.child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const code = await run.exited;
  return { code, stdout, stderr };
}

describe("trellis openapi", () => {
  it("prints the repo app's OpenAPI 3.1 document as JSON and exits 0", async () => {
    const run = await openapi(["."], { PUBLIC_URL: "https://api.example.com/" });
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout);
    assert.equal(doc.openapi, "3.1.0");
    assert.deepEqual(doc.servers, [{ url: "https://api.example.com" }]);
    assert.ok(doc.paths["/auth/login"].post.requestBody);
    assert.deepEqual(doc.paths["/admin/users"].get.security, [{ bearerAuth: [] }]);
    const { valid, errors } = await validate(doc);
    assert.deepEqual(errors, []);
    assert.equal(valid, true);
  });

  it("names no server without PUBLIC_URL", async () => {
    const run = await openapi([], { PUBLIC_URL: "", APP_DIR: "." });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).servers, undefined);
  });

  it("lists load errors like trellis check, prints no document and exits 1", async () => {
    const run = await openapi(["tests/fixtures/broken"]);
    assert.equal(run.code, 1);
    assert.equal(run.stdout, "");
    assert.match(run.stderr, /^tests\/fixtures\/broken\/\S+:\d+:\d+ /m);
    assert.match(run.stderr, /\d+ error\(s\) found\.\n$/);
  });
});
