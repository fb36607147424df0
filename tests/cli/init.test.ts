import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT, runTrellis } from "../helpers/cli.ts";
import { tempDir } from "../helpers/test-app.ts";

/** Every file under `dir`, relative, with its content: a folder's whole state. */
function snapshot(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    files.set(path.relative(dir, file), fs.readFileSync(file, "utf8"));
  }
  return files;
}

describe("trellis init", () => {
  it("makes an app from the very files this repository ships, which trellis check accepts, and prints the next two commands", async () => {
    const parent = tempDir();
    const init = runTrellis(["init", "my-app"], {}, { cwd: parent });
    assert.equal(await init.exited, 0, init.output());
    const appDir = path.join(parent, "my-app");
    const made = snapshot(appDir);
    for (const shipped of ["endpoints", "actions", "schema"]) {
      for (const [file, text] of snapshot(path.join(REPO_ROOT, shipped))) {
        assert.equal(made.get(path.join(shipped, file)), text, `${shipped}/${file} is the shipped file`);
      }
    }
    for (const file of ["roles.yaml", "trellis.yaml"]) assert.equal(made.get(file), fs.readFileSync(path.join(REPO_ROOT, file), "utf8"));
    assert.ok(fs.statSync(path.join(appDir, "migrations")).isDirectory());
    assert.match(made.get(".gitignore") ?? "", /^\.data\/$/m);
    assert.match(made.get("README.md") ?? "", /^# my-app$/m);
    assert.match(init.output(), /Next:\n {2}cd my-app\n {2}.*trellis(\.js)? dev\n/);

    const check = runTrellis(["check", appDir], {}, { cwd: appDir });
    assert.equal(await check.exited, 0, check.output());
  });

  it("refuses a folder that is not empty: exit 1, and nothing written", async () => {
    const appDir = tempDir();
    fs.writeFileSync(path.join(appDir, "notes.txt"), "mine\n");
    fs.mkdirSync(path.join(appDir, "endpoints"));
    const before = snapshot(appDir);
    const init = runTrellis(["init", appDir]);
    assert.equal(await init.exited, 1);
    assert.match(init.output(), /is not empty \(.*notes\.txt.*\): nothing was written/);
    assert.deepEqual(snapshot(appDir), before);
    assert.deepEqual(fs.readdirSync(appDir).sort(), ["endpoints", "notes.txt"]);
  });

  it("writes into a folder where npm installed trellis, and into any folder with --force", async () => {
    const installed = tempDir();
    fs.writeFileSync(path.join(installed, "package.json"), '{ "dependencies": {} }\n');
    fs.mkdirSync(path.join(installed, "node_modules"));
    const init = runTrellis(["init", installed]);
    assert.equal(await init.exited, 0, init.output());
    assert.ok(fs.existsSync(path.join(installed, "endpoints", "auth", "login.post.yaml")));
    assert.equal(fs.readFileSync(path.join(installed, "package.json"), "utf8"), '{ "dependencies": {} }\n', "package.json is left alone");

    const busy = tempDir();
    fs.writeFileSync(path.join(busy, "notes.txt"), "mine\n");
    const forced = runTrellis(["init", busy, "--force"]);
    assert.equal(await forced.exited, 0, forced.output());
    assert.ok(fs.existsSync(path.join(busy, "roles.yaml")));
    assert.equal(fs.readFileSync(path.join(busy, "notes.txt"), "utf8"), "mine\n");
  });
});
