import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { type Running, runTrellis } from "../helpers/cli.ts";
import { tempDir } from "../helpers/test-app.ts";

const version = (n: number) => `allow: public\nresponse:\n  body: { version: ${n} }\n`;

/** Billion laughs: nine levels of nine aliases each, 9^9 strings once expanded. */
const YAML_BOMB = [
  'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
  ..."bcdefghi".split("").map((name, i) => {
    const previous = "abcdefghi"[i] ?? "a";
    return `${name}: &${name} [${Array(9).fill(`*${previous}`).join(", ")}]`;
  }),
  "allow: public",
  "response:",
  "  body: { version: *i }",
  "",
].join("\n");

describe("trellis dev: a broken save keeps the last good table serving, says why, and a fixed save serves", () => {
  let appDir: string;
  let server: Running;
  let base: string;

  before(async () => {
    appDir = tempDir();
    fs.mkdirSync(path.join(appDir, "endpoints"));
    fs.writeFileSync(path.join(appDir, "roles.yaml"), "guest: {}\n");
    fs.writeFileSync(path.join(appDir, "endpoints", "other.get.yaml"), "allow: public\nresponse:\n  body: { other: true }\n");
    fs.writeFileSync(path.join(appDir, "endpoints", "edited.get.yaml"), version(1));
    server = runTrellis(["dev", appDir], { PORT: "0", HOST: "127.0.0.1", DATA_DIR: tempDir() });
    const [, port] = await server.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
    base = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    server.child.kill("SIGTERM");
    assert.equal(await server.exited, 0);
  });

  const file = path.join("endpoints", "edited.get.yaml");
  const write = (text: string) => fs.writeFileSync(path.join(appDir ?? "", file), text);
  const get = async (route: string) => {
    const res = await fetch(`${base}${route}`);
    return { status: res.status, body: await res.text() };
  };
  /** Polls until `route` answers `body`, or fails after `limitMs`. */
  async function until(route: string, body: string, limitMs = 5000): Promise<void> {
    const start = performance.now();
    for (;;) {
      const res = await get(route);
      if (res.body === body) return;
      if (performance.now() - start > limitMs) assert.fail(`${route} answered ${res.status} ${res.body}, not ${body}, after ${limitMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
  /** Both endpoints still answer as the last good table says. */
  async function assertLastGoodServes(editedVersion: number) {
    assert.deepEqual(await get("/edited"), { status: 200, body: JSON.stringify({ version: editedVersion }) });
    assert.deepEqual(await get("/other"), { status: 200, body: '{"other":true}' });
  }
  /** The output since `mark` (what this save printed). */
  const outputSince = (mark: number) => server.output().slice(mark);
  async function waitForOutput(mark: number, pattern: RegExp, ms = 10_000): Promise<void> {
    const start = performance.now();
    while (!pattern.test(outputSince(mark))) {
      if (performance.now() - start > ms) assert.fail(`no ${pattern} in:\n${outputSince(mark)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it("a YAML bomb (billion laughs) is refused with its position, quickly; the last good table serves; the fix serves", async () => {
    await until("/edited", '{"version":1}');
    const mark = server.output().length;
    const started = performance.now();
    write(YAML_BOMB);
    await waitForOutput(mark, /edited\.get\.yaml:\d+:\d+ YAML: too many alias expansions/);
    assert.ok(performance.now() - started < 5000, "refused without expanding it");
    await waitForOutput(mark, /still serving the last good version/);
    await assertLastGoodServes(1);
    write(version(2));
    await until("/edited", '{"version":2}');
  });

  it("a syntax error is reported with file:line:col; the last good table serves; the fix serves", async () => {
    const mark = server.output().length;
    write("allow: public\nresponse:\n  body: { version: [3 }\n");
    await waitForOutput(mark, /edited\.get\.yaml:3:\d+ YAML:/);
    await waitForOutput(mark, /still serving the last good version/);
    await assertLastGoodServes(2);
    write(version(3));
    await until("/edited", '{"version":3}');
  });

  it("a save caught half-written (an empty file, then a truncated one) keeps the last good table; the finished save serves", async () => {
    const mark = server.output().length;
    write("");
    await waitForOutput(mark, /edited\.get\.yaml/);
    await assertLastGoodServes(3);
    const mark2 = server.output().length;
    write("allow: public\nresponse:\n  body: { vers");
    await waitForOutput(mark2, /edited\.get\.yaml:\d+:\d+/);
    await assertLastGoodServes(3);
    write(version(4));
    await until("/edited", '{"version":4}');
  });

  it("an editor's save that moves the file away and writes it back serves the new version; the other endpoint never stops", async () => {
    const full = path.join(appDir, file);
    const others: number[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        others.push((await get("/other")).status);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    fs.renameSync(full, `${full}~`);
    await new Promise((resolve) => setTimeout(resolve, 15));
    fs.writeFileSync(full, version(5));
    fs.rmSync(`${full}~`);
    await until("/edited", '{"version":5}');
    polling = false;
    await poll;
    assert.ok(others.length > 0 && others.every((status) => status === 200), `/other answered ${[...new Set(others)]}`);
  });

  it("a file deleted mid-edit and written again with an error keeps the other endpoints serving and reports it; the fix serves", async () => {
    const full = path.join(appDir, file);
    fs.rmSync(full);
    await until("/edited", '{"error":{"code":"not_found","message":"No such route"}}');
    assert.deepEqual(await get("/other"), { status: 200, body: '{"other":true}' });
    const mark = server.output().length;
    write("allow: [nosuchrole]\nresponse:\n  body: { version: 6 }\n");
    await waitForOutput(mark, /edited\.get\.yaml:1:9 unknown role "nosuchrole"/);
    assert.deepEqual(await get("/other"), { status: 200, body: '{"other":true}' });
    assert.equal((await get("/edited")).status, 404, "the broken file is not served");
    write(version(7));
    await until("/edited", '{"version":7}');
  });
});
