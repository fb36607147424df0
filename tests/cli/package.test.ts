import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { REPO_ROOT, type Running, runTrellis } from "../helpers/cli.ts";
import { readmeFiles } from "../helpers/readme-tutorial.ts";
import { getMe, signUpOverHttp } from "../helpers/sign-up-over-http.ts";
import { tempDir } from "../helpers/test-app.ts";

const exec = promisify(execFile);
const NPM_TIMEOUT_MS = 180_000;

/** Runs `trellis` as npm installed it in the app folder: `npx trellis …`. */
async function npx(appDir: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return exec("npx", ["--no-install", "trellis", ...args], { cwd: appDir, env: { ...process.env, NODE_ENV: "test" } });
}

describe("the npm package", { timeout: NPM_TIMEOUT_MS * 2 }, () => {
  let packDir: string;
  let tarball: string;
  let appDir: string;

  before(async () => {
    packDir = tempDir("trellis-pack-");
    const { stdout } = await exec("npm", ["pack", "--json", "--pack-destination", packDir], { cwd: REPO_ROOT, timeout: NPM_TIMEOUT_MS });
    const [packed] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    assert.ok(packed);
    tarball = path.join(packDir, packed.filename);
    fs.writeFileSync(path.join(packDir, "files.json"), JSON.stringify(packed.files.map((file) => file.path)));

    appDir = tempDir("trellis-installed-");
    await exec("npm", ["install", tarball, "--no-audit", "--no-fund"], { cwd: appDir, timeout: NPM_TIMEOUT_MS });
  });
  after(() => {
    fs.rmSync(packDir, { recursive: true, force: true });
  });

  it("ships what runs and nothing of the repository's own tests, examples or benchmarks", () => {
    const files = JSON.parse(fs.readFileSync(path.join(packDir, "files.json"), "utf8")) as string[];
    for (const needed of [
      "bin/trellis.js",
      "dist/cli.js",
      "dist/index.js",
      "src/cli/main.ts",
      "endpoints/auth/login.post.yaml",
      "actions/gravatar.ts",
      "roles.yaml",
      "trellis.yaml",
    ]) {
      assert.ok(files.includes(needed), needed);
    }
    const unwanted = files.filter(
      (file) => /^(tests|examples|bench|\.ci|\.data|node_modules)\//.test(file) || /^scripts\/(?!build\.mjs$)/.test(file),
    );
    assert.deepEqual(unwanted, []);
  });

  it("installs into an empty folder, where trellis init, start, check, openapi and users work: register, confirm, sign in, /auth/me, README's own endpoint and action", async () => {
    const init = await npx(appDir, ["init", "."]);
    assert.match(init.stdout, /Next:\n {2}npx trellis dev/);
    const ownFiles = readmeFiles("Your own app");
    assert.deepEqual([...ownFiles.keys()].sort(), ["actions/shout.ts", "endpoints/shout.get.yaml"]);
    for (const [file, text] of ownFiles) fs.writeFileSync(path.join(appDir, file), text);
    assert.equal((await npx(appDir, ["check"])).stdout.trim(), "ok: 43 route(s), 2 custom action(s), 2 role(s)");
    const openapi = JSON.parse((await npx(appDir, ["openapi"])).stdout) as { paths: Record<string, unknown> };
    assert.ok(openapi.paths["/auth/login"]);

    const bin = path.join(appDir, "node_modules", "trellis", "bin", "trellis.js");
    const server: Running = runTrellis(["start"], { PORT: "0", HOST: "127.0.0.1", BCRYPT_COST: "4" }, { cwd: appDir, bin });
    try {
      const [, port] = await server.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/, 60_000);
      const base = `http://127.0.0.1:${port}`;
      const token = await signUpOverHttp(base, path.join(appDir, ".data"), "ada@example.com", "correct horse battery");
      const me = await getMe(base, token);
      assert.equal(me.status, 200);
      const body = (await me.json()) as { email: string; roles: string[]; avatar_url: string };
      assert.deepEqual([body.email, body.roles], ["ada@example.com", ["guest"]]);
      assert.match(body.avatar_url, /^https:\/\/gravatar\.com\/avatar\//, "the app's own action answers");
      const shout = await fetch(`${base}/shout?text=hello`, { headers: { Authorization: `Bearer ${token}` } });
      assert.deepEqual(await shout.json(), { loud: "HELLO!", by: "ada@example.com" }, "README's own endpoint and action answer as it says");

      // The server holds the embedded database: `trellis users` asks it to act.
      const added = await npx(appDir, ["users", "add", "root@example.com", "--password", "correct horse battery", "--role", "admin"]);
      assert.match(added.stdout, /root@example\.com/);
    } finally {
      server.child.kill("SIGTERM");
      assert.equal(await server.exited, 0, server.output());
    }
  });

  it("serves the installed app with trellis dev, reloading an edited endpoint", async () => {
    const bin = path.join(appDir, "node_modules", "trellis", "bin", "trellis.js");
    const server = runTrellis(["dev"], { PORT: "0", HOST: "127.0.0.1", DATA_DIR: tempDir() }, { cwd: appDir, bin });
    try {
      const [, port] = await server.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/, 60_000);
      const hello = async () => ((await (await fetch(`http://127.0.0.1:${port}/hello?name=Ada`)).json()) as { message: string }).message;
      assert.equal(await hello(), "Hello, Ada!");
      const file = path.join(appDir, "endpoints", "hello.get.yaml");
      fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("Hello, ${query.name}!", "Hi, ${query.name}!"));
      await server.waitFor(/reloaded \d+ route\(s\)/);
      assert.equal(await hello(), "Hi, Ada!");
    } finally {
      server.child.kill("SIGTERM");
      assert.equal(await server.exited, 0, server.output());
    }
  });
});
