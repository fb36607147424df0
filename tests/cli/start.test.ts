import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { describe, it } from "node:test";
import { runTrellis } from "../helpers/cli.ts";
import { rawRequest } from "../helpers/raw-http.ts";
import { fixture, tempDir } from "../helpers/test-app.ts";

describe("trellis start", () => {
  it("serves the repo's app on the embedded database, prints the chosen port and the admin page, and stops cleanly on SIGTERM", async () => {
    const dataDir = tempDir();
    const server = runTrellis(["start"], { PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir });
    const [, port] = await server.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
    const res = await fetch(`http://127.0.0.1:${port}/hello?name=Ann`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { message: "Hello, Ann!" });
    assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    const [, adminUrl] = await server.waitFor(/admin page: (\S+)/);
    assert.equal(adminUrl, `http://127.0.0.1:${port}/admin`, "the banner says where the admin page is");
    const adminPage = await fetch(adminUrl);
    assert.equal(adminPage.status, 200);
    assert.match(adminPage.headers.get("content-type") ?? "", /text\/html/);
    assert.ok(fs.existsSync(path.join(dataDir, "jwt-secret")), "a generated secret is kept under DATA_DIR");
    assert.ok(fs.existsSync(path.join(dataDir, "pgdata")), "the embedded database lives under DATA_DIR");
    // Requests Node's parser refuses before trellis sees them still get the JSON error shape.
    const unknownMethod = await rawRequest(`http://127.0.0.1:${port}`, ["FOO /hello HTTP/1.1\r\nHost: x\r\n\r\n"]);
    assert.equal(unknownMethod.status, 400);
    assert.equal(JSON.parse(unknownMethod.body).error.code, "bad_request");
    const hugeHeader = await rawRequest(`http://127.0.0.1:${port}`, [
      `GET /hello HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(20_000)}\r\n\r\n`,
    ]);
    assert.equal(hugeHeader.status, 431);
    assert.equal(JSON.parse(hugeHeader.body).error.code, "headers_too_large");

    server.child.kill("SIGTERM");
    assert.equal(await server.exited, 0);
  });

  it("lets a new user do README's Try it with no environment: register, follow the printed link, sign in, /auth/me", async () => {
    const server = runTrellis(["start"], { PORT: "0", HOST: "127.0.0.1", DATA_DIR: tempDir(), PUBLIC_URL: "", BCRYPT_COST: "" });
    const [, port] = await server.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
    const base = `http://127.0.0.1:${port}`;
    const post = (route: string, body: unknown) =>
      fetch(`${base}${route}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    try {
      assert.equal((await post("/auth/register", { email: "ada@example.com", password: "correct horse battery" })).status, 202);
      const [link, token] = await server.waitFor(/http:\/\/localhost:\d+\/auth\/confirm\?token=([A-Za-z0-9_-]+)/);
      assert.equal(new URL(link).port, port, "the link names the port the server chose");
      const page = await fetch(new URL(new URL(link).pathname + new URL(link).search, base));
      assert.equal(page.status, 200);
      assert.equal((await post("/auth/confirm", { token })).status, 200);
      const login = await post("/auth/login", { email: "ada@example.com", password: "correct horse battery" });
      const { access_token } = await login.json();
      const me = await fetch(`${base}/auth/me`, { headers: { Authorization: `Bearer ${access_token}` } });
      assert.equal(me.status, 200);
      assert.deepEqual((await me.json()).roles, ["guest"]);
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  });

  it("refuses to start a broken app, listing each error with its position", async () => {
    const broken = tempDir();
    fs.mkdirSync(path.join(broken, "endpoints"));
    fs.writeFileSync(path.join(broken, "endpoints", "x.get.yaml"), "summary: no allow here\n");
    const server = runTrellis(["start", broken], { PORT: "0", DATA_DIR: tempDir() });
    assert.equal(await server.exited, 1);
    assert.match(server.output(), /x\.get\.yaml:1:1 missing `allow:`/);
    assert.match(server.output(), /did not start/);
  });

  it("starts an app with warnings, printing them with their positions", async () => {
    const server = runTrellis(["start", fixture("settings-app")], { PORT: "0", HOST: "127.0.0.1", DATA_DIR: tempDir() });
    await server.waitFor(/listening on/);
    assert.match(server.output(), /roles\.yaml:1:1 warning: role "guest" is never used/);
    server.child.kill("SIGTERM");
    assert.equal(await server.exited, 0);
  });

  it("says so when the port is taken, and exits 1", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const server = runTrellis(["start", fixture("engine")], { PORT: String(port), HOST: "127.0.0.1", DATA_DIR: tempDir() });
      assert.equal(await server.exited, 1);
      assert.match(server.output(), /cannot listen on 127\.0\.0\.1:\d+: the port is in use/);
    } finally {
      blocker.close();
    }
  });

  it("refuses to start in production without a JWT secret", async () => {
    const server = runTrellis(["start", fixture("engine")], { PORT: "0", DATA_DIR: tempDir(), NODE_ENV: "production", JWT_SECRET: "" });
    assert.equal(await server.exited, 1);
    assert.match(server.output(), /JWT_SECRET/);
  });
});
