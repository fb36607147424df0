import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { bcryptCostOf } from "../../src/auth/bcrypt-pool.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { login, registerConfirmed } from "../helpers/accounts.ts";
import { REPO_ROOT } from "../helpers/cli.ts";
import { databaseTargets, resetDatabase } from "../helpers/databases.ts";
import { startSmtp, type TestSmtp } from "../helpers/smtp.ts";
import { createTestApp } from "../helpers/test-app.ts";

const storedCost = async (database: DatabaseHandle, email: string) =>
  bcryptCostOf(
    (await database.db.selectFrom("users").select("password_hash").where("email", "=", email).executeTakeFirstOrThrow()).password_hash ??
      "",
  );

for (const target of databaseTargets()) {
  describe(`bcrypt on login (${target.name})`, () => {
    let database: DatabaseHandle;
    let smtp: TestSmtp;

    before(async () => {
      database = await target.open();
      await resetDatabase(database);
      smtp = await startSmtp();
    });
    after(async () => {
      await smtp.close();
      await database.close();
    });

    it("hashes the password again at BCRYPT_COST when the stored hash was made at another cost", async () => {
      const old = await createTestApp({ appDir: REPO_ROOT, database, env: { SMTP_URL: smtp.url, BCRYPT_COST: "4" } });
      await registerConfirmed(old, smtp, "ada@example.com", "correct horse battery");
      await old.close();
      assert.equal(await storedCost(database, "ada@example.com"), 4);

      const raised = await createTestApp({ appDir: REPO_ROOT, database, env: { SMTP_URL: smtp.url, BCRYPT_COST: "5" } });
      try {
        assert.equal((await login(raised, "ada@example.com", "wrong password")).status, 401);
        assert.equal(await storedCost(database, "ada@example.com"), 4, "a wrong password changes nothing");
        assert.equal((await login(raised, "ada@example.com", "correct horse battery")).status, 200);
        assert.equal(await storedCost(database, "ada@example.com"), 5);
        assert.equal((await login(raised, "ada@example.com", "correct horse battery")).status, 200, "the new hash holds the same password");
      } finally {
        await raised.close();
      }
    });
  });
}

describe("bcrypt's bounded queue", () => {
  let database: DatabaseHandle;
  let smtp: TestSmtp;

  before(async () => {
    database = await (databaseTargets()[0] ?? assert.fail("no database")).open();
    smtp = await startSmtp();
  });
  after(async () => {
    await smtp.close();
    await database.close();
  });

  it("answers 503 busy with Retry-After at once when every worker is busy and the queue is full", async () => {
    const app = await createTestApp({
      appDir: REPO_ROOT,
      database,
      env: { SMTP_URL: smtp.url, BCRYPT_COST: "11", BCRYPT_WORKERS: "1", BCRYPT_QUEUE: "1" },
    });
    try {
      await registerConfirmed(app, smtp, "bob@example.com", "correct horse battery");
      const finished: { status: number; code?: string; retryAfter: string | null }[] = [];
      await Promise.all(
        Array.from({ length: 5 }, async () => {
          const res = await login(app, "bob@example.com", "correct horse battery");
          const body = (await res.json()) as { error?: { code: string } };
          finished.push({
            status: res.status,
            retryAfter: res.headers.get("retry-after"),
            ...(body.error ? { code: body.error.code } : {}),
          });
        }),
      );
      // One compare runs and one waits; the other three are refused before either is done.
      assert.deepEqual(
        finished.map((answer) => answer.status),
        [503, 503, 503, 200, 200],
      );
      for (const refused of finished.slice(0, 3)) assert.deepEqual(refused, { status: 503, code: "busy", retryAfter: "1" });
      assert.equal((await login(app, "bob@example.com", "correct horse battery")).status, 200, "once the queue drains, logins pass");
    } finally {
      await app.close();
    }
  });
});
