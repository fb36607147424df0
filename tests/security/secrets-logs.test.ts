import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { loadConfig } from "../../src/config.ts";
import { createApp, type TrellisApp } from "../../src/create-app.ts";
import { createLogger } from "../../src/logger.ts";
import { login, refresh, register, signIn } from "../helpers/accounts.ts";
import { REPO_ROOT } from "../helpers/cli.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { PUBLIC_URL, useShippedApp } from "../helpers/shipped-app.ts";
import { tokenIn } from "../helpers/smtp.ts";
import { bearer, json, TEST_JWT_SECRET, tempDir, tokenFor } from "../helpers/test-app.ts";

/** A port nothing listens on: the SMTP server of a bad day. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

for (const target of databaseTargets()) {
  describe(`secrets in logs: no password, token, hash or key in a log line, the log table or /admin/log (${target.name})`, () => {
    const t = useShippedApp(target);
    const logs: string[] = [];
    /** The shipped app as `trellis dev` runs it: every request logged, at LOG_LEVEL debug. */
    let app: TrellisApp;

    before(async () => {
      const config = loadConfig(
        { JWT_SECRET: TEST_JWT_SECRET, DATA_DIR: tempDir(), BCRYPT_COST: "4", LOG_LEVEL: "debug", SMTP_URL: t.smtp.url, PUBLIC_URL },
        { appDir: REPO_ROOT },
      );
      const logger = createLogger("debug", (line) => logs.push(line));
      app = await createApp({
        config,
        database: t.database,
        logger,
        logRequests: true,
        now: () => new Date(t.clock.now),
        printMail: () => {},
      });
    });
    after(() => app.close());

    /** Every place a secret could end up: log lines, the log table, what /admin/log answers. */
    async function everythingLogged(): Promise<string> {
      await app.services.mailer.idle();
      const table = JSON.stringify(await t.database.db.selectFrom("log").selectAll().execute());
      const adminLog = await (await app.request("/admin/log?limit=500", { headers: bearer(await tokenFor(app, ["admin"])) })).text();
      return [logs.join("\n"), table, adminLog].join("\n");
    }
    function assertAbsent(haystack: string, secrets: readonly string[]) {
      for (const secret of secrets) assert.ok(!haystack.includes(secret), `a secret was logged: ${secret.slice(0, 6)}…`);
      assert.doesNotMatch(haystack, /\$2[aby]\$\d\d\$/, "no bcrypt hash");
    }

    it("a whole account's life with the request log on leaves no password, token, token hash or the JWT secret anywhere", async () => {
      logs.length = 0;
      const secrets = ["first secret pw", "second secret pw", "third secret pw", TEST_JWT_SECRET];
      await register(app, "ann@example.com", "first secret pw");
      const confirmation = tokenIn(await t.smtp.waitFor("ann@example.com", /Confirm/));
      await app.request(`/auth/confirm?token=${confirmation}`);
      await app.request("/auth/confirm", json({ token: confirmation }));
      const session = await signIn(app, "ann@example.com", "first secret pw");
      await app.request("/auth/me", { headers: bearer(session.access_token) });
      const next = await (await refresh(app, session.refresh_token)).json();
      await refresh(app, session.refresh_token);
      await app.request("/auth/forgot-password", json({ email: "ann@example.com" }));
      const reset = tokenIn(await t.smtp.waitFor("ann@example.com", /Reset/));
      await app.request(`/auth/reset-password?token=${reset}`);
      await app.request("/auth/reset-password", json({ token: reset, password: "second secret pw" }));
      const again = await signIn(app, "ann@example.com", "second secret pw");
      await app.request(
        "/auth/change-password",
        json({ current_password: "second secret pw", new_password: "third secret pw" }, bearer(again.access_token)),
      );
      await app.request("/auth/logout", json({ refresh_token: again.refresh_token }));
      secrets.push(
        confirmation,
        reset,
        session.access_token,
        session.refresh_token,
        next.access_token,
        next.refresh_token,
        again.access_token,
        again.refresh_token,
      );
      const hashes = [
        ...(await t.database.db.selectFrom("refresh_tokens").select("token_hash").execute()),
        ...(await t.database.db.selectFrom("one_time_tokens").select("token_hash").execute()),
      ].map((row) => row.token_hash);
      assert.ok(hashes.length >= 5);

      const logged = await everythingLogged();
      assert.match(logged, /POST \/auth\/login 200/, "the request log was on");
      assert.match(logged, /GET \/auth\/confirm 200/, "and logged the page the link opens, without its query");
      assertAbsent(logged, [...secrets, ...hashes]);
    });

    it("a password typed into the email field of a login is not logged", async () => {
      logs.length = 0;
      await register(app, "bo@example.com", "correct horse");
      await login(app, "Tr0ub4dor&3-secret", "bo@example.com");
      await login(app, "bo@example.com", "wrong secret pw");
      const logged = await everythingLogged();
      assert.match(logged, /login\.failed/, "the failures were logged");
      assertAbsent(logged, ["Tr0ub4dor&3-secret", "wrong secret pw"]);
    });

    it("a refused password (too long, too short, the address itself) is named in the 400 but neither echoed nor logged", async () => {
      logs.length = 0;
      const tooLong = `too-long-secret-${"x".repeat(80)}`;
      for (const password of [tooLong, "short7", "cy@example.com"]) {
        const res = await app.request("/auth/register", json({ email: "cy@example.com", password }));
        assert.equal(res.status, 400, password.slice(0, 10));
        const text = await res.text();
        const { error } = JSON.parse(text);
        assert.equal(error.code, "validation_failed");
        assert.ok(error.details.password);
        assert.ok(!text.includes(password) || password === "cy@example.com", "the answer does not echo the password");
      }
      assertAbsent(await everythingLogged(), [tooLong, "short7"]);
    });

    it("a bearer token, good or forged, is neither echoed in its answer nor written to the request log", async () => {
      logs.length = 0;
      const good = await tokenFor(app, ["guest"]);
      const forged = `${good.slice(0, -6)}AAAAAA`;
      const rejected = await app.request("/auth/me", { headers: bearer(forged) });
      assert.equal(rejected.status, 401);
      assert.ok(!(await rejected.text()).includes(forged));
      await app.request("/auth/me", { headers: bearer(good) });
      const logged = await everythingLogged();
      assert.match(logged, /GET \/auth\/me 401/);
      assertAbsent(logged, [good, forged, good.split(".")[2] ?? ""]);
    });

    it("a database fault's 500 logs its cause but not the row PostgreSQL would show (the password hash)", async () => {
      logs.length = 0;
      await sql`alter table users add constraint trellis_test_no_boom check (name is distinct from 'boom')`.execute(t.database.db);
      try {
        const res = await app.request("/auth/register", json({ email: "dee@example.com", password: "boom secret pw", name: "boom" }));
        assert.equal(res.status, 500);
        const { error } = await res.json();
        const logged = await everythingLogged();
        assert.ok(logged.includes(error.details.error_id), "the fault was logged with its id");
        assert.match(logged, /trellis_test_no_boom/, "with its cause");
        assertAbsent(logged, ["boom secret pw"]);
      } finally {
        await sql`alter table users drop constraint trellis_test_no_boom`.execute(t.database.db);
      }
    });

    it("a mail the SMTP server never takes is logged as failed without its text: the link's token stays out of the log", async () => {
      const logs: string[] = [];
      const config = loadConfig(
        {
          JWT_SECRET: TEST_JWT_SECRET,
          DATA_DIR: tempDir(),
          BCRYPT_COST: "4",
          LOG_LEVEL: "debug",
          SMTP_URL: `smtp://127.0.0.1:${await closedPort()}`,
          PUBLIC_URL,
        },
        { appDir: REPO_ROOT },
      );
      const app = await createApp({
        config,
        database: t.database,
        logger: createLogger("debug", (line) => logs.push(line)),
        now: () => new Date(t.clock.now),
        printMail: () => {},
      });
      try {
        assert.equal((await register(app, "eve@example.com", "correct horse")).status, 202);
        for (let waited = 0; !logs.some((line) => /mail delivery failed/.test(line)); waited += 50) {
          if (waited > 10_000) assert.fail(`no delivery failure was logged:\n${logs.join("\n")}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await app.services.mailer.idle();
        const { text } = await t.database.db.selectFrom("outbox").select("text").executeTakeFirstOrThrow();
        const token = /token=([A-Za-z0-9_-]+)/.exec(text)?.[1] ?? assert.fail("the queued mail holds a link");
        assert.ok(!logs.join("\n").includes(token), "the token of the undelivered link is not logged");
        assert.ok(!logs.join("\n").includes("correct horse"));
      } finally {
        await app.close();
      }
    });
  });
}
