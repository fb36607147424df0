import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { backoffSeconds } from "../../src/mail/mailer.ts";
import { register } from "../helpers/accounts.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { closedPort, type Fault, startFaultySmtp } from "../helpers/faulty-smtp.ts";
import { LINK_TOKEN, useMailApps } from "../helpers/mail-apps.ts";

/** The log lines about one outbox row. */
const linesAbout = (logs: string[], id: number) =>
  logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.outbox_id === id);

for (const target of databaseTargets()) {
  describe(`security: mail the server refuses for good (${target.name})`, () => {
    const t = useMailApps(target);

    const faulty = async (options: Parameters<typeof startFaultySmtp>[0], port = 0) => {
      const server = await startFaultySmtp(options, port);
      t.closeAfter(server.close);
      return server;
    };

    it("a registration whose confirmation mail is refused with 550 still answers 202, and the mail is kept as failed", async () => {
      const server = await faulty({ recipient: (to) => (to === "gone@example.com" ? 550 : undefined) });
      const app = await t.open({ SMTP_URL: server.url });
      assert.equal((await register(app, "gone@example.com", "correct horse")).status, 202);
      await app.services.mailer.idle();
      const [mail] = await t.outbox();
      assert.equal(mail?.to, "gone@example.com");
      assert.deepEqual([mail?.attempts, mail?.sent_at], [1, null]);
      assert.equal(mail?.failed_at?.getTime(), t.clock.now, "marked failed at its first refusal");
      assert.match(mail?.last_error ?? "", /550/);
      assert.equal(server.accepted.length, 0);
    });

    it("a refused mail is never tried again, however long one waits", async () => {
      const server = await faulty({ recipient: () => 550 });
      const app = await t.open({ SMTP_URL: server.url });
      const id = await t.queue("gone@example.com");
      await app.services.mailer.deliverDue();
      t.clock.now += 30 * 86_400_000;
      assert.equal(await app.services.mailer.deliverDue(), 0);
      const [mail] = await t.outbox();
      assert.equal(mail?.id, id);
      assert.equal(mail?.attempts, 1, "no second try");
      assert.notEqual(mail?.failed_at, null);
    });

    it("the refusal is logged once, at error, with the outbox id and never the mail's text or link", async () => {
      const logs: string[] = [];
      const server = await faulty({ recipient: () => 550 });
      const app = await t.open({ SMTP_URL: server.url }, logs);
      const id = await t.queue("gone@example.com");
      await app.services.mailer.deliverDue();
      t.clock.now += 86_400_000;
      await app.services.mailer.deliverDue();
      const lines = linesAbout(logs, id);
      assert.equal(lines.length, 1, JSON.stringify(lines));
      assert.equal(lines[0]?.level, "error");
      assert.match(String(lines[0]?.msg), /marked failed/);
      assert.ok(
        logs.every((line) => !line.includes(LINK_TOKEN)),
        "no log line holds the link",
      );
    });

    it("a message refused after its data (554) is marked failed as well", async () => {
      const server = await faulty({ data: () => 554 });
      const app = await t.open({ SMTP_URL: server.url });
      await t.queue("strict@example.com");
      await app.services.mailer.deliverDue();
      const [mail] = await t.outbox();
      assert.notEqual(mail?.failed_at, null);
      assert.match(mail?.last_error ?? "", /554/);
      assert.equal(server.accepted.length, 0);
    });

    it("one refused recipient does not hold up the others: the next mail goes out in the same run", async () => {
      const server = await faulty({ recipient: (to) => (to === "gone@example.com" ? 550 : undefined) });
      const app = await t.open({ SMTP_URL: server.url });
      await t.queue("gone@example.com");
      await t.queue("here@example.com");
      assert.equal(await app.services.mailer.deliverDue(), 1);
      const [refused, sent] = await t.outbox();
      assert.notEqual(refused?.failed_at, null);
      assert.notEqual(sent?.sent_at, null);
      assert.deepEqual(
        server.accepted.map((mail) => mail.to),
        ["here@example.com"],
      );
    });

    it("a busy mailbox (450) is not a refusal: the mail waits out its backoff and goes out once it is accepted", async () => {
      let fault: Fault = 450;
      const server = await faulty({ recipient: () => fault });
      const app = await t.open({ SMTP_URL: server.url });
      await t.queue("busy@example.com");
      await app.services.mailer.deliverDue();
      const [waiting] = await t.outbox();
      assert.deepEqual([waiting?.failed_at, waiting?.sent_at, waiting?.attempts], [null, null, 1]);
      assert.equal(waiting?.next_attempt_at.getTime(), t.clock.now + backoffSeconds(1) * 1000);
      assert.match(waiting?.last_error ?? "", /450/);

      fault = undefined;
      t.clock.now += backoffSeconds(1) * 1000;
      assert.equal(await app.services.mailer.deliverDue(), 1);
      const [sent] = await t.outbox();
      assert.notEqual(sent?.sent_at, null);
      assert.deepEqual(
        server.accepted.map((mail) => mail.to),
        ["busy@example.com"],
      );
    });

    it("a refused login (535) is the server's setup, not the message's fault: the mail stays pending for a retry", async () => {
      const server = await faulty({ refuseLogin: true });
      const app = await t.open({ SMTP_URL: `smtp://trellis:wrong-password@127.0.0.1:${server.port}` });
      await t.queue("ann@example.com");
      await app.services.mailer.deliverDue();
      const [mail] = await t.outbox();
      assert.deepEqual([mail?.failed_at, mail?.sent_at, mail?.attempts], [null, null, 1]);
      assert.match(mail?.last_error ?? "", /535|Invalid login/);
    });

    it("failures that are not refusals end at MAIL_MAX_ATTEMPTS: the mail is marked failed, logged once, and tried no more", async () => {
      const logs: string[] = [];
      const port = await closedPort();
      const app = await t.open({ SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_MAX_ATTEMPTS: "3" }, logs);
      const id = await t.queue("ann@example.com");
      for (let attempt = 1; attempt <= 3; attempt++) {
        await app.services.mailer.deliverDue();
        const [mail] = await t.outbox();
        assert.equal(mail?.attempts, attempt);
        assert.equal(mail?.failed_at === null, attempt < 3, `failed only after try ${attempt} of 3`);
        t.clock.now += backoffSeconds(attempt) * 1000;
      }
      t.clock.now += 86_400_000;
      await app.services.mailer.deliverDue();
      const [mail] = await t.outbox();
      assert.equal(mail?.attempts, 3, "no fourth try");
      assert.match(mail?.last_error ?? "", /ECONNREFUSED|connect/i);
      const errors = linesAbout(logs, id).filter((line) => line.level === "error");
      assert.equal(errors.length, 1);
      assert.equal(linesAbout(logs, id).filter((line) => line.level === "warn").length, 2, "the two earlier failures were warnings");
    });

    it("MAIL_MAX_ATTEMPTS out of range is a startup error naming the variable", () => {
      assert.throws(
        () => loadConfig({ MAIL_MAX_ATTEMPTS: "0" }),
        (error: unknown) => error instanceof ConfigError && /MAIL_MAX_ATTEMPTS/.test(error.message),
      );
    });
  });
}
