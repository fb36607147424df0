import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import gravatar from "../../actions/gravatar.ts";
import type { ActionContext } from "../../src/actions/define-action.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { TrellisError } from "../../src/errors.ts";
import { me, registerConfirmed, signIn } from "../helpers/accounts.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { createShippedApp } from "../helpers/shipped-app.ts";
import { startSmtp } from "../helpers/smtp.ts";
import { createTestApp, fixture, tempDir } from "../helpers/test-app.ts";

describe("custom actions from actions/", () => {
  let database: DatabaseHandle;
  before(async () => {
    database = await (databaseTargets()[0] ?? assert.fail("no database")).open();
  });
  after(async () => {
    await database.close();
  });

  it("the shipped gravatar action is a plain object a test can call", () => {
    const url = gravatar.run({} as ActionContext, { email: " Ann@Example.com ", size: 40 });
    const hash = createHash("sha256").update("ann@example.com").digest("hex");
    assert.equal(url, `https://gravatar.com/avatar/${hash}?s=40&d=identicon`);
  });

  it("is loaded from the repo's actions/ and used by GET /auth/me", async () => {
    const smtp = await startSmtp();
    const app = await createShippedApp(database, smtp, { now: Date.now() });
    assert.ok(app.loaded.actions.has("gravatar"));
    await registerConfirmed(app, smtp, "ann@example.com", "correct horse");
    const body = await (await me(app, await signIn(app, "ann@example.com", "correct horse"))).json();
    const hash = createHash("sha256").update("ann@example.com").digest("hex");
    assert.equal(body.avatar_url, `https://gravatar.com/avatar/${hash}?s=96&d=identicon`);
    await app.close();
    await smtp.close();
  });

  it("runs an app's action with validated options, and turns one that throws into a 500 with a logged error id", async () => {
    const logs: string[] = [];
    const app = await createTestApp({ appDir: fixture("custom-actions"), database, logs });
    assert.deepEqual(await (await app.request("/shout?text=hi")).json(), { loud: "HI!" });

    const res = await app.request("/explode", { method: "POST" });
    assert.equal(res.status, 500);
    const body = await res.json();
    assert.doesNotMatch(JSON.stringify(body), /kaboom/);
    const logged = logs.map((line) => JSON.parse(line)).find((entry) => entry.error_id === body.error.details.error_id);
    assert.ok(logged, "the error id leads to the log line");
    assert.match(logged.error, /kaboom/);
    assert.match(logged.at, /explode\.post\.yaml:3:5$/);
    assert.equal((await app.request("/shout?text=still-serving")).status, 200, "the server keeps serving");
    await app.close();
  });

  it("loads .ts, .mts and .js actions and the helpers they import as ES modules, with this engine's trellis, wherever the folder is", async () => {
    const dir = tempDir("trellis-actions-");
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      fs.writeFileSync(path.join(dir, file), text);
    };
    // A package.json that says CommonJS, as `npm init` leaves it: the action files are ES modules anyway.
    write("package.json", '{ "name": "my-app", "type": "commonjs" }\n');
    write("roles.yaml", "guest: {}\n");
    write(
      "actions/lib/teapot.ts",
      'import { TrellisError } from "trellis";\nexport const teapot = () => new TrellisError(418, "teapot", "Short and stout");\n',
    );
    write(
      "actions/lib/kind.js",
      'import { defineAction } from "trellis";\nexport const kind = () => (typeof defineAction === "function" ? "js" : "no");\n',
    );
    const action = (name: string, body: string) =>
      `import { defineAction } from "trellis";\n${body}\nexport default defineAction({ name: "${name}", description: "d", pure: true, options: { type: "object" }, run });\n`;
    write("actions/brew.ts", action("brew", 'import { teapot } from "./lib/teapot.ts";\nconst run = () => { throw teapot(); };'));
    write("actions/plain.js", action("plain", 'import { kind } from "./lib/kind.js";\nconst run = () => kind();'));
    write("actions/typed.mts", action("typed", "const run = (): string => import.meta.url.startsWith('file:') ? 'mts' : 'no';"));
    write(
      "endpoints/kinds.get.yaml",
      'allow: public\nsteps:\n  - plain: {}\n    as: js\n  - typed: {}\n    as: mts\nresponse:\n  body: { js: "${js}", mts: "${mts}" }\n',
    );
    write("endpoints/brew.post.yaml", "allow: public\nsteps:\n  - brew: {}\n");

    const app = await createTestApp({ appDir: dir, database });
    try {
      assert.deepEqual([...app.loaded.actions.keys()].filter((name) => ["brew", "plain", "typed"].includes(name)).sort(), [
        "brew",
        "plain",
        "typed",
      ]);
      assert.deepEqual(await (await app.request("/kinds")).json(), { js: "js", mts: "mts" });
      const res = await app.request("/brew", { method: "POST" });
      assert.deepEqual([res.status, await res.json()], [418, { error: { code: "teapot", message: "Short and stout" } }]);
      const { teapot } = (await import(path.join(dir, "actions/lib/teapot.ts"))) as { teapot: () => unknown };
      assert.ok(teapot() instanceof TrellisError, "the helper's TrellisError is the engine's class");
    } finally {
      await app.close();
    }
  });
});
