import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import type { TrellisApp } from "../../src/create-app.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { backoffSeconds } from "../../src/mail/mailer.ts";
import { register } from "../helpers/accounts.ts";
import { REPO_ROOT } from "../helpers/cli.ts";
import { databaseTargets, resetDatabase } from "../helpers/databases.ts";
import { startSmtp, type TestSmtp } from "../helpers/smtp.ts";
import { createTestApp, fixture, json, tempDir } from "../helpers/test-app.ts";

for (const target of databaseTargets()) {
  describe(`mail outbox (${target.name})`, () => {
    let database: DatabaseHandle;
    const clock = { now: Date.parse("2026-03-01T12:00:00Z") };
    const apps: TrellisApp[] = [];
    const servers: TestSmtp[] = [];

    before(async () => {
      database = await target.open();
    });
    after(async () => {
      for (const app of apps) await app.close();
      for (const server of servers) await server.close();
      await database.close();
    });
    beforeEach(async () => {
      for (const app of apps) await app.services.mailer.idle();
      await resetDatabase(database);
    });

    const open = async (appDir: string, env: Record<string, string>, extra: { printMail?: (text: string) => void } = {}) => {
      const app = await createTestApp({ appDir, database, env, now: () => new Date(clock.now), ...extra });
      apps.push(app);
      return app;
    };
    const smtp = async (port = 0, options: { starttls?: boolean } = {}) => {
      const server = await startSmtp(port, options);
      servers.push(server);
      return server;
    };
    const outbox = () => database.db.selectFrom("outbox").selectAll().orderBy("id").execute();

    it("with the mail server down, register still answers 202 and the mail goes out once the server is back", async () => {
      const probe = await startSmtp();
      const port = probe.port;
      await probe.close();
      const app = await open(REPO_ROOT, { SMTP_URL: `smtp://127.0.0.1:${port}` });

      assert.equal((await register(app, "ann@example.com", "correct horse")).status, 202);
      await app.services.mailer.idle();
      const [pending] = await outbox();
      assert.equal(pending?.sent_at, null);
      assert.equal(pending?.attempts, 1);
      assert.ok(pending?.last_error, "the failure is recorded");

      const server = await smtp(port);
      assert.equal(await app.services.mailer.deliverDue(), 0, "not before its backoff has passed");
      clock.now += backoffSeconds(1) * 1000;
      assert.equal(await app.services.mailer.deliverDue(), 1);
      await server.waitFor("ann@example.com", /Confirm your address/);
      assert.equal(await app.services.mailer.deliverDue(), 0, "a delivered mail is not sent again");
      assert.equal(server.mails.length, 1);
      const [sent] = await outbox();
      assert.notEqual(sent?.sent_at, null);
      assert.deepEqual([sent?.text, sent?.html], ["", null], "a delivered mail's links are not kept");
    });

    it("a request that fails after the user insert leaves no user, no outbox row and sends nothing", async () => {
      const server = await smtp();
      const app = await open(fixture("mail"), { SMTP_URL: server.url });
      const res = await app.request("/fails-after-insert", json({ email: "bo@example.com" }));
      assert.equal(res.status, 409);
      assert.equal((await database.db.selectFrom("users").selectAll().execute()).length, 0);
      assert.equal((await outbox()).length, 0);
      await app.services.mailer.deliverDue();
      assert.equal(server.mails.length, 0);
    });

    it("delivers over smtp:// to a server offering STARTTLS with a certificate it cannot verify", async () => {
      const server = await smtp(0, { starttls: true });
      const app = await open(fixture("mail"), { SMTP_URL: server.url });
      assert.equal((await app.request("/greet-mail", json({ email: "tls@example.com", name: "T" }))).status, 202);
      await server.waitFor("tls@example.com");
    });

    it("escapes values in html and keeps line breaks out of the subject", async () => {
      const server = await smtp();
      const app = await open(fixture("mail"), { SMTP_URL: server.url });
      const name = "<script>x</script>\r\nBcc: victim@example.com";
      assert.equal((await app.request("/greet-mail", json({ email: "cy@example.com", name }))).status, 202);
      const mail = await server.waitFor("cy@example.com");
      assert.match(mail.html, /&lt;script&gt;x&lt;\/script&gt;/);
      assert.doesNotMatch(mail.html, /<script>/);
      assert.doesNotMatch(mail.subject, /[\r\n]/);
      await app.services.mailer.idle();
      assert.deepEqual(
        server.mails.map((m) => m.to),
        ["cy@example.com"],
        "no header was injected",
      );
    });

    it("without SMTP_URL, mail is printed with its link and saved as .eml under DATA_DIR/outbox", async () => {
      const dataDir = tempDir();
      const printed: string[] = [];
      const app = await open(
        REPO_ROOT,
        { DATA_DIR: dataDir, PUBLIC_URL: "http://localhost:3000" },
        { printMail: (text) => printed.push(text) },
      );
      assert.equal((await register(app, "dee@example.com", "correct horse")).status, 202);
      // No waiting: the development outbox is written before the answer.
      const files = fs.readdirSync(path.join(dataDir, "outbox"));
      assert.equal(files.length, 1);
      const eml = fs.readFileSync(path.join(dataDir, "outbox", files[0] ?? ""), "utf8");
      assert.match(eml, /^To: dee@example\.com$/m);
      const link = /http:\/\/localhost:3000\/auth\/confirm\?token=([A-Za-z0-9_-]+)/.exec(printed.join(""));
      assert.ok(link, "the link is printed");
      assert.ok(eml.includes(`token=${link[1]}`), "the .eml holds the link as plain text");
    });
  });
}
