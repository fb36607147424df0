import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { describe, it } from "node:test";
import { allLines, BROKEN_ERRORS, BROKEN_ROLES_ERRORS } from "../helpers/broken-fixtures.ts";
import { WARNING_LINES } from "../helpers/warnings-fixture.ts";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const BIN = path.join(ROOT, "bin", "trellis.js");

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The real CLI, as `node bin/trellis.js check <dir>` from the repo root. */
function check(dir: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const { APP_DIR: _ignored, ...env } = process.env;
    const child = spawn(process.execPath, [BIN, "check", dir], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Expected lines are relative to the fixture; the CLI prints them relative to its cwd, the repo root. */
const underCwd = (fixtureDir: string, lines: readonly string[]): string[] => lines.map((line) => `${fixtureDir}/${line}`);

describe("trellis check", () => {
  it("lists every error of the broken fixture as file:line:col message and exits 1", async () => {
    const run = await check("tests/fixtures/broken");
    const expected = underCwd("tests/fixtures/broken", allLines(BROKEN_ERRORS));
    const printed = run.stderr.split("\n");
    for (const line of expected) assert.ok(printed.includes(line), `missing:\n  ${line}\nstderr:\n${run.stderr}`);
    assert.equal(run.stderr, `${expected.join("\n")}\n\n${expected.length} error(s) found.\n`);
    assert.equal(run.stdout, "");
    assert.equal(run.code, 1);
  });

  it("lists the errors of a broken roles.yaml and exits 1", async () => {
    const run = await check("tests/fixtures/broken-roles");
    const expected = underCwd("tests/fixtures/broken-roles", allLines(BROKEN_ROLES_ERRORS));
    assert.equal(run.stderr, `${expected.join("\n")}\n\n${expected.length} error(s) found.\n`);
    assert.equal(run.code, 1);
  });

  it("prints an ok: summary for the good fixture and exits 0", async () => {
    const run = await check(path.join(ROOT, "tests", "fixtures", "good"));
    assert.equal(run.stderr, "");
    assert.match(run.stdout, /^ok: 4 route\(s\), 0 custom action\(s\), 2 role\(s\)\n$/);
    assert.equal(run.code, 0);
  });

  it("prints warnings, then an ok: summary that counts them, and exits 0", async () => {
    const run = await check("tests/fixtures/warnings");
    assert.equal(run.stderr, `${underCwd("tests/fixtures/warnings", WARNING_LINES).join("\n")}\n`);
    assert.equal(run.stdout, `ok: 7 route(s), 0 custom action(s), 4 role(s) (${WARNING_LINES.length} warning(s))\n`);
    assert.equal(run.code, 0);
  });

  it("passes on the repo's own app and exits 0", async () => {
    const run = await check(".");
    assert.equal(run.stderr, "");
    assert.match(run.stdout, /^ok: \d+ route\(s\), \d+ custom action\(s\), \d+ role\(s\)\n$/);
    assert.equal(run.code, 0);
  });
});
