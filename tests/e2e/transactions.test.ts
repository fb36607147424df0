import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { TrellisApp } from "../../src/create-app.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { registerConfirmed } from "../helpers/accounts.ts";
import { REPO_ROOT } from "../helpers/cli.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { startSmtp, type TestSmtp } from "../helpers/smtp.ts";
import { bearer, createTestApp, json, tempDir, tokenFor } from "../helpers/test-app.ts";

/** Resolves with the order in which the given requests finished. */
async function finishingOrder(requests: Record<string, () => Promise<Response>>): Promise<string[]> {
  const order: string[] = [];
  await Promise.all(
    Object.entries(requests).map(async ([name, request]) => {
      const res = await request();
      await res.arrayBuffer();
      order.push(`${name} ${res.status}`);
    }),
  );
  return order;
}

// The embedded database has one connection: what holds it, holds up every other request that needs it.
describe("when the request's transaction begins (embedded database)", () => {
  const pglite = databaseTargets().find((target) => target.name === "pglite");
  let database: DatabaseHandle;
  let smtp: TestSmtp;
  let app: TrellisApp;

  before(async () => {
    database = await (pglite ?? assert.fail("no pglite target")).open();
    smtp = await startSmtp();
    // A real bcrypt cost: a compare takes a good part of a second.
    app = await createTestApp({ appDir: REPO_ROOT, database, env: { SMTP_URL: smtp.url, BCRYPT_COST: "12" } });
    await registerConfirmed(app, smtp, "ada@example.com", "correct horse battery");
  });
  after(async () => {
    await app.close();
    await smtp.close();
    await database.close();
  });

  it("a pure endpoint answers while another request holds the database", async () => {
    const held = await database.db.startTransaction().execute();
    try {
      const res = await app.request("/hello?name=Ann");
      assert.deepEqual([res.status, await res.json()], [200, { message: "Hello, Ann!" }]);
    } finally {
      await held.rollback().execute();
    }
  });

  it("a login's password compare holds no connection: a request that needs the database finishes first", async () => {
    const token = await tokenFor(app, ["guest"], (await database.db.selectFrom("users").select("id").executeTakeFirstOrThrow()).id);
    const order = await finishingOrder({
      login: () => app.request("/auth/login", json({ email: "ada@example.com", password: "correct horse battery" })),
      me: () => new Promise((resolve) => setTimeout(resolve, 20)).then(() => app.request("/auth/me", { headers: bearer(token) })),
    });
    assert.deepEqual(order, ["me 200", "login 200"]);
  });

  it("a failed login still counts toward the lockout, and the right password is refused once it is reached", async () => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const res = await app.request("/auth/login", json({ email: "ada@example.com", password: "wrong password" }));
      assert.equal(res.status, 401);
    }
    const locked = await app.request("/auth/login", json({ email: "ada@example.com", password: "correct horse battery" }));
    assert.equal(locked.status, 429);
    assert.ok(Number(locked.headers.get("retry-after")) > 0);
  });

  it("of concurrent wrong passwords, only as many as the lockout allows get an answer; the others are 429", async () => {
    await registerConfirmed(app, smtp, "bob@example.com", "correct horse battery");
    const attempts = Array.from({ length: 8 }, () => app.request("/auth/login", json({ email: "bob@example.com", password: "wrong" })));
    const statuses = (await Promise.all(attempts)).map((res) => res.status).sort();
    assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429, 429, 429]);
  });

  it("steps that only read run outside any transaction until a step that writes begins one", async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, "endpoints"));
    fs.mkdirSync(path.join(dir, "actions"));
    fs.writeFileSync(path.join(dir, "roles.yaml"), "guest: {}\n");
    // Reports whether the database it is handed is a transaction.
    fs.writeFileSync(
      path.join(dir, "actions", "in-transaction.ts"),
      'import { defineAction } from "trellis";\nexport default defineAction({ name: "in-transaction", description: "d", readsOnly: true, options: { type: "object" }, run: ({ db }) => db.isTransaction });\n',
    );
    const reads = "  - db.select: { table: users, columns: [id], limit: 1 }\n    as: users\n  - in-transaction: {}\n    as: before\n";
    const write = '  - log: { event: probe, data: { n: "${users.length}" } }\n  - in-transaction: {}\n    as: after\n';
    fs.writeFileSync(
      path.join(dir, "endpoints", "reads.get.yaml"),
      `allow: public\nsteps:\n${reads}response:\n  body: { before: "\${before}" }\n`,
    );
    fs.writeFileSync(
      path.join(dir, "endpoints", "writes.post.yaml"),
      `allow: public\nsteps:\n${reads}${write}response:\n  body: { before: "\${before}", after: "\${after}" }\n`,
    );
    const probe = await createTestApp({ appDir: dir, database });
    try {
      assert.deepEqual(await (await probe.request("/reads")).json(), { before: false });
      assert.deepEqual(await (await probe.request("/writes", { method: "POST" })).json(), { before: false, after: true });
    } finally {
      await probe.close();
    }
  });
});
