import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT, type Running, runTrellis } from "../helpers/cli.ts";
import { getMe, signUpOverHttp } from "../helpers/sign-up-over-http.ts";
import { tempDir } from "../helpers/test-app.ts";

/** The shipped app as a user copies it: endpoints/, actions/ and roles.yaml in a folder with no package.json. */
function copyShippedApp(): string {
  const dir = tempDir("trellis-app-");
  for (const name of ["endpoints", "actions", "roles.yaml"]) {
    fs.cpSync(path.join(REPO_ROOT, name), path.join(dir, name), { recursive: true });
  }
  assert.ok(!fs.existsSync(path.join(dir, "package.json")));
  return dir;
}

async function serve(command: "start" | "dev", appDir: string): Promise<{ server: Running; base: string; dataDir: string }> {
  const dataDir = tempDir();
  const server = runTrellis([command, appDir], { PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, BCRYPT_COST: "4" }, { cwd: appDir });
  const [, port] = await server.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
  return { server, base: `http://127.0.0.1:${port}`, dataDir };
}

async function stop(server: Running): Promise<void> {
  server.child.kill("SIGTERM");
  assert.equal(await server.exited, 0);
}

const avatarHash = (email: string) => createHash("sha256").update(email).digest("hex");

describe("an app folder outside this repository", () => {
  it("passes trellis check, though its actions import trellis and nothing is installed there", async () => {
    const appDir = copyShippedApp();
    const check = runTrellis(["check", appDir], {}, { cwd: appDir });
    assert.equal(await check.exited, 0, check.output());
    assert.match(check.output(), /ok: \d+ route\(s\), 1 custom action\(s\)/);
  });

  it("is served by trellis start, its custom action answering through /auth/me", async () => {
    const appDir = copyShippedApp();
    const { server, base, dataDir } = await serve("start", appDir);
    try {
      const token = await signUpOverHttp(base, dataDir, "ada@example.com", "correct horse battery");
      const me = await getMe(base, token);
      assert.equal(me.status, 200);
      const body = (await me.json()) as { avatar_url: string; roles: string[] };
      assert.equal(body.avatar_url, `https://gravatar.com/avatar/${avatarHash("ada@example.com")}?s=96&d=identicon`);
      assert.deepEqual(body.roles, ["guest"]);
    } finally {
      await stop(server);
    }
  });

  it("is reloaded by trellis dev when the action file is edited", async () => {
    const appDir = copyShippedApp();
    const { server, base, dataDir } = await serve("dev", appDir);
    try {
      const token = await signUpOverHttp(base, dataDir, "bob@example.com", "correct horse battery");
      const avatar = async () => ((await (await getMe(base, token)).json()) as { avatar_url: string }).avatar_url;
      assert.match(await avatar(), /d=identicon$/);

      const file = path.join(appDir, "actions", "gravatar.ts");
      fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("d=identicon", "d=retro"));
      await server.waitFor(/reloaded \d+ route\(s\)/);
      assert.match(await avatar(), /d=retro$/);
    } finally {
      await stop(server);
    }
  });
});
