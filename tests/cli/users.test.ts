import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createDatabase } from "../../src/db/create-database.ts";
import { runTrellis } from "../helpers/cli.ts";
import { tempDir } from "../helpers/test-app.ts";

describe("trellis users", () => {
  it("adds a confirmed user with guest and the given roles, then changes their roles", async () => {
    const dataDir = tempDir();
    const add = runTrellis(["users", "add", " Root@Example.com ", "--password", "correct horse", "--name", "Root", "--role", "admin"], {
      DATA_DIR: dataDir,
    });
    assert.equal(await add.exited, 0, add.output());
    assert.match(add.output(), /created root@example\.com/);

    const duplicate = runTrellis(["users", "add", "root@example.com", "--password", "correct horse"], { DATA_DIR: dataDir });
    assert.equal(await duplicate.exited, 1);
    assert.match(duplicate.output(), /already registered/);

    const badRole = runTrellis(["users", "add", "x@example.com", "--password", "correct horse", "--role", "wizard"], { DATA_DIR: dataDir });
    assert.equal(await badRole.exited, 1);
    assert.match(badRole.output(), /unknown role "wizard"/);

    const change = runTrellis(["users", "roles", "root@example.com", "--remove", "admin"], { DATA_DIR: dataDir });
    assert.equal(await change.exited, 0, change.output());
    assert.match(change.output(), /root@example\.com: guest/);

    const database = createDatabase({ dataDir });
    try {
      const user = await database.db.selectFrom("users").selectAll().executeTakeFirstOrThrow();
      assert.equal(user.email, "root@example.com");
      assert.equal(user.name, "Root");
      assert.notEqual(user.confirmed_at, null);
      assert.match(user.password_hash ?? "", /^\$2[aby]\$12\$/, "bcrypt with the default cost 12");
      const roles = await database.db.selectFrom("user_roles").select("role").where("user_id", "=", user.id).execute();
      assert.deepEqual(
        roles.map((r) => r.role),
        ["guest"],
      );
    } finally {
      await database.close();
    }
  });
});

describe("the embedded database", () => {
  it("is opened by one process at a time: a second one is refused with a clear message", async () => {
    const dataDir = tempDir();
    const first = createDatabase({ dataDir });
    try {
      const second = runTrellis(["users", "add", "x@example.com", "--password", "correct horse"], { DATA_DIR: dataDir });
      assert.equal(await second.exited, 1);
      assert.match(second.output(), /in use by process \d+/);
    } finally {
      await first.close();
    }
    const after = runTrellis(["users", "add", "x@example.com", "--password", "correct horse"], { DATA_DIR: dataDir });
    assert.equal(await after.exited, 0, after.output());
  });
});

describe("trellis users while the server runs on the embedded database", () => {
  it("asks the running server to do it, so the first admin can sign in at once", async () => {
    const dataDir = tempDir();
    const server = runTrellis(["start"], { PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, BCRYPT_COST: "4" });
    try {
      const [, port] = await server.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      const add = runTrellis(["users", "add", "root@example.com", "--password", "correct horse", "--role", "admin"], { DATA_DIR: dataDir });
      assert.equal(await add.exited, 0, add.output());
      assert.match(add.output(), /created root@example\.com/);

      const login = await fetch(`http://127.0.0.1:${port}/auth/login`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email: "root@example.com", password: "correct horse" }),
      });
      const { access_token } = await login.json();
      const users = await fetch(`http://127.0.0.1:${port}/admin/users`, { headers: { Authorization: `Bearer ${access_token}` } });
      assert.equal(users.status, 200);

      const roles = runTrellis(["users", "roles", "root@example.com", "--remove", "admin"], { DATA_DIR: dataDir });
      assert.equal(await roles.exited, 0, roles.output());
      assert.match(roles.output(), /root@example\.com: guest/);
    } finally {
      server.child.kill("SIGTERM");
      await server.exited;
    }
  });
});
