import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backoffSeconds } from "../../src/mail/mailer.ts";
import { register } from "../helpers/accounts.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { closedPort } from "../helpers/faulty-smtp.ts";
import { useMailApps } from "../helpers/mail-apps.ts";
import { startSmtp } from "../helpers/smtp.ts";

const ADDRESSES = ["ann@example.com", "bo@example.com", "cy@example.com"];

for (const target of databaseTargets()) {
  describe(`security: the mail server is down (${target.name})`, () => {
    const t = useMailApps(target);

    it("registrations answer 202 while the mail server is down, and each mail is delivered exactly once when it is back", async () => {
      const port = await closedPort();
      const app = await t.open({ SMTP_URL: `smtp://127.0.0.1:${port}` });
      for (const email of ADDRESSES) assert.equal((await register(app, email, "correct horse")).status, 202);
      await app.services.mailer.idle();
      const waiting = await t.outbox();
      assert.deepEqual(
        waiting.map((mail) => [mail.to, mail.attempts, mail.sent_at, mail.failed_at]),
        ADDRESSES.map((email) => [email, 1, null, null]),
        "every mail is kept, pending",
      );

      const server = await startSmtp(port);
      t.closeAfter(server.close);
      t.clock.now += backoffSeconds(1) * 1000;
      await app.services.mailer.deliverDue();
      for (const email of ADDRESSES) await server.waitFor(email, /Confirm your address/);
      t.clock.now += 86_400_000;
      await app.services.mailer.deliverDue();
      assert.deepEqual(server.mails.map((mail) => mail.to).sort(), ADDRESSES, "once each, nothing lost");
      assert.ok((await t.outbox()).every((mail) => mail.sent_at !== null && mail.text === ""));
    });

    it("mail queued while the server was down survives a restart of the app and goes out from the new one", async () => {
      const port = await closedPort();
      const before = await t.open({ SMTP_URL: `smtp://127.0.0.1:${port}` });
      assert.equal((await register(before, "dee@example.com", "correct horse")).status, 202);
      await before.services.mailer.idle();
      await before.close();

      const server = await startSmtp(port);
      t.closeAfter(server.close);
      const after = await t.open({ SMTP_URL: server.url });
      t.clock.now += backoffSeconds(1) * 1000;
      await after.services.mailer.deliverDue();
      await server.waitFor("dee@example.com", /Confirm your address/);
      const [mail] = await t.outbox();
      assert.deepEqual([mail?.attempts, mail?.failed_at], [2, null]);
      assert.notEqual(mail?.sent_at, null);
    });
  });
}
