import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { type Running, runTrellis } from "../helpers/cli.ts";
import { tempDir } from "../helpers/test-app.ts";

const RELOAD_TARGET_MS = 300;

describe("trellis dev", () => {
  let appDir: string;
  let server: Running;
  let base: string;

  before(async () => {
    appDir = tempDir();
    fs.mkdirSync(path.join(appDir, "endpoints"));
    fs.writeFileSync(path.join(appDir, "roles.yaml"), "guest: {}\n");
    fs.writeFileSync(path.join(appDir, "endpoints", "hello.get.yaml"), "allow: public\nresponse:\n  body: { hello: world }\n");
    server = runTrellis(["dev", appDir], { PORT: "0", HOST: "127.0.0.1", DATA_DIR: tempDir() });
    const [, port] = await server.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
    base = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    server.child.kill("SIGTERM");
    assert.equal(await server.exited, 0);
  });

  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(appDir, file)), { recursive: true });
    fs.writeFileSync(path.join(appDir, file), text);
  };
  const get = (route: string) => fetch(`${base}${route}`);
  /** Polls until `route` answers as `expect` says; resolves with the milliseconds it took. */
  async function until(route: string, expect: (res: Response, body: string) => boolean, limitMs = 5000): Promise<number> {
    const start = performance.now();
    for (;;) {
      const res = await get(route);
      if (expect(res, await res.text())) return performance.now() - start;
      if (performance.now() - start > limitMs) assert.fail(`${route} did not change within ${limitMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  it(`serves a new endpoint file within ${RELOAD_TARGET_MS} ms of the write`, async () => {
    assert.equal((await get("/added")).status, 404);
    write("endpoints/added.get.yaml", "allow: public\nresponse:\n  body: { version: 1 }\n");
    const ms = await until("/added", (res) => res.status === 200);
    assert.ok(ms < RELOAD_TARGET_MS, `answered after ${Math.round(ms)} ms`);
  });

  it("keeps serving the last good version when a save breaks the file, printing the error with its position", async () => {
    write("endpoints/added.get.yaml", "allow: [nosuchrole]\nresponse:\n  body: { version: 2 }\n");
    await server.waitFor(/added\.get\.yaml:1:9 unknown role "nosuchrole"/);
    const res = await get("/added");
    assert.deepEqual([res.status, await res.json()], [200, { version: 1 }]);
    assert.equal((await get("/hello")).status, 200);
  });

  it("loads the fixed file", async () => {
    write("endpoints/added.get.yaml", "allow: public\nresponse:\n  body: { version: 3 }\n");
    await until("/added", (_res, body) => body === '{"version":3}');
  });

  it("serves the second of two saves 40 ms apart (an editor's save, then its formatter's)", async () => {
    write("endpoints/added.get.yaml", "allow: public\nresponse:\n  body: { version: 4 }\n");
    await new Promise((resolve) => setTimeout(resolve, 40));
    write("endpoints/added.get.yaml", "allow: public\nresponse:\n  body: { version: 5 }\n");
    await until("/added", (_res, body) => body === '{"version":5}');
  });

  it("follows a rename and a delete", async () => {
    fs.renameSync(path.join(appDir, "endpoints/added.get.yaml"), path.join(appDir, "endpoints/renamed.get.yaml"));
    await until("/renamed", (res) => res.status === 200);
    assert.equal((await get("/added")).status, 404);
    fs.rmSync(path.join(appDir, "endpoints/renamed.get.yaml"));
    await until("/renamed", (res) => res.status === 404);
  });

  it("loads a new custom action, and reloads it when edited", async () => {
    const action = (word: string) =>
      `export default { name: "word", description: "A word.", pure: true, options: { type: "object" }, run: () => "${word}" };\n`;
    write("actions/word.js", action("first"));
    write("endpoints/word.get.yaml", 'allow: public\nsteps:\n  - word: {}\n    as: word\nresponse:\n  body: { word: "${word}" }\n');
    await until("/word", (_res, body) => body === '{"word":"first"}');
    write("actions/word.js", action("second"));
    await until("/word", (_res, body) => body === '{"word":"second"}');
  });

  it("applies a new migration on save, so an endpoint can use its table", async () => {
    write("migrations/001_tags.sql", "create table tags (name text primary key);\ninsert into tags values ('yaml');\n");
    write(
      "endpoints/tags.get.yaml",
      'allow: public\nsteps:\n  - db.select: { table: tags }\n    as: tags\nresponse:\n  body: { tags: "${tags}" }\n',
    );
    await until("/tags", (_res, body) => body === '{"tags":[{"name":"yaml"}]}');
    await server.waitFor(/applied migration 001_tags\.sql/);
  });

  it("logs each request with method, path, status and time", async () => {
    await get("/hello");
    await server.waitFor(/GET \/hello 200 [\d.]+ms/);
  });
});
