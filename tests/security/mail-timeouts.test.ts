import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { backoffSeconds } from "../../src/mail/mailer.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { startFaultySmtp, startSilentServer } from "../helpers/faulty-smtp.ts";
import { useMailApps } from "../helpers/mail-apps.ts";
import { startSmtp } from "../helpers/smtp.ts";

/** Short, so a stalled send gives up quickly; not so short that a busy machine's honest server misses it. */
const SMTP_TIMEOUT = "2";
/** "Does not hang": far above the timeout, far below forever. */
const HANG_BOUND_MS = 10_000;

const within = async <T>(ms: number, work: Promise<T>): Promise<T> => {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, limit]);
  } finally {
    clearTimeout(timer);
  }
};

for (const target of databaseTargets()) {
  describe(`security: a mail server that accepts and never answers (${target.name})`, () => {
    const t = useMailApps(target);

    it("a server that accepts the connection and never greets: the send gives up after SMTP_TIMEOUT and the mail stays pending", async () => {
      const silent = await startSilentServer();
      t.closeAfter(silent.close);
      const app = await t.open({ SMTP_URL: `smtp://127.0.0.1:${silent.port}`, SMTP_TIMEOUT });
      await t.queue("ann@example.com");

      assert.equal(await within(HANG_BOUND_MS, app.services.mailer.deliverDue()), 0);
      assert.equal(silent.connections, 1, "it did connect");
      const [mail] = await t.outbox();
      assert.deepEqual([mail?.sent_at, mail?.failed_at, mail?.attempts], [null, null, 1]);
      assert.match(mail?.last_error ?? "", /greeting|timeout/i);
      assert.equal(mail?.next_attempt_at.getTime(), t.clock.now + backoffSeconds(1) * 1000, "retried after the usual backoff");
    });

    it("once a working server takes the silent one's place, the waiting mail is delivered", async () => {
      const silent = await startSilentServer();
      t.closeAfter(silent.close);
      const app = await t.open({ SMTP_URL: `smtp://127.0.0.1:${silent.port}`, SMTP_TIMEOUT });
      await t.queue("ann@example.com");
      await within(HANG_BOUND_MS, app.services.mailer.deliverDue());
      await silent.close();

      const server = await startSmtp(silent.port);
      t.closeAfter(server.close);
      t.clock.now += backoffSeconds(1) * 1000;
      assert.equal(await app.services.mailer.deliverDue(), 1);
      await server.waitFor("ann@example.com");
      const [mail] = await t.outbox();
      assert.notEqual(mail?.sent_at, null);
      assert.equal(mail?.attempts, 2);
    });

    it("a server that takes one message and never answers: that mail times out and is retried later, the next one is delivered meanwhile", async () => {
      const server = await startFaultySmtp({ data: (to) => (to === "stuck@example.com" ? "hang" : undefined) });
      t.closeAfter(server.close);
      const app = await t.open({ SMTP_URL: server.url, SMTP_TIMEOUT });
      await t.queue("stuck@example.com");
      await t.queue("next@example.com");

      assert.equal(await within(HANG_BOUND_MS, app.services.mailer.deliverDue()), 1);
      assert.deepEqual(server.hung, ["stuck@example.com"]);
      assert.deepEqual(
        server.accepted.map((mail) => mail.to),
        ["next@example.com"],
      );
      const [stuck, next] = await t.outbox();
      assert.deepEqual([stuck?.sent_at, stuck?.failed_at, stuck?.attempts], [null, null, 1]);
      assert.match(stuck?.last_error ?? "", /timeout/i);
      assert.notEqual(next?.sent_at, null);

      t.clock.now += backoffSeconds(1) * 1000;
      await within(HANG_BOUND_MS, app.services.mailer.deliverDue());
      const [again] = await t.outbox();
      assert.equal(again?.attempts, 2, "tried again after its backoff");
      assert.deepEqual(server.hung, ["stuck@example.com", "stuck@example.com"]);
    });

    it("SMTP_TIMEOUT that is not a duration is a startup error naming the variable", () => {
      assert.throws(
        () => loadConfig({ SMTP_TIMEOUT: "soon" }),
        (error: unknown) => error instanceof ConfigError && /SMTP_TIMEOUT/.test(error.message),
      );
      assert.equal(loadConfig({}).mail.timeoutSeconds, 30, "30 s unless set");
    });
  });
}
