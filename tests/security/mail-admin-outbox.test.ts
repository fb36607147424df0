import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { TrellisApp } from "../../src/create-app.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { startFaultySmtp } from "../helpers/faulty-smtp.ts";
import { LINK_TOKEN, useMailApps } from "../helpers/mail-apps.ts";
import { bearer, tokenFor } from "../helpers/test-app.ts";

const LISTED_FIELDS = ["attempts", "created_at", "failed_at", "id", "last_error", "next_attempt_at", "sent_at", "status", "subject", "to"];

for (const target of databaseTargets()) {
  describe(`security: the admin's outbox (${target.name})`, () => {
    const t = useMailApps(target);

    /** A real user with the admin role, and an access token the app signed for them. */
    const adminToken = async (app: TrellisApp): Promise<string> => {
      const user = await t.database.db
        .insertInto("users")
        .values({ email: "root@example.com", password_hash: null, confirmed_at: new Date(t.clock.now) })
        .returning("id")
        .executeTakeFirstOrThrow();
      await t.database.db.insertInto("user_roles").values({ user_id: user.id, role: "admin" }).execute();
      return tokenFor(app, ["admin"], user.id);
    };

    /** An app whose mail server refuses gone@example.com for good and takes the rest, until `refusing.on` is false. */
    const refusingApp = async () => {
      const refusing = { on: true };
      const server = await startFaultySmtp({ recipient: (to) => (refusing.on && to === "gone@example.com" ? 550 : undefined) });
      t.closeAfter(server.close);
      return { server, refusing, app: await t.open({ SMTP_URL: server.url }) };
    };

    /** One mail of each kind: failed (refused), sent, and pending (queued after the run). */
    const oneOfEach = async (app: TrellisApp) => {
      const failed = await t.queue("gone@example.com", "Refused");
      const sent = await t.queue("here@example.com", "Delivered");
      await app.services.mailer.deliverDue();
      const pending = await t.queue("later@example.com", "Waiting");
      return { failed, sent, pending };
    };

    const list = (app: TrellisApp, token: string, query = "") => app.request(`/admin/outbox${query}`, { headers: bearer(token) });
    const retry = (app: TrellisApp, token: string, id: number | string) =>
      app.request(`/admin/outbox/${id}/retry`, { method: "POST", headers: bearer(token) });

    it("lists failed mail with its tries and error, and never its text, html or link", async () => {
      const { app } = await refusingApp();
      const token = await adminToken(app);
      const { failed } = await oneOfEach(app);
      const res = await list(app, token, "?status=failed");
      assert.equal(res.status, 200);
      const raw = await res.text();
      assert.doesNotMatch(raw, new RegExp(LINK_TOKEN), "no one-time link");
      assert.doesNotMatch(raw, /"(text|html)"/);
      const body = JSON.parse(raw);
      assert.equal(body.total, 1);
      assert.deepEqual(Object.keys(body.mails[0]).sort(), LISTED_FIELDS);
      const [mail] = body.mails;
      assert.deepEqual([mail.id, mail.to, mail.subject, mail.status, mail.attempts], [failed, "gone@example.com", "Refused", "failed", 1]);
      assert.match(mail.last_error, /550/);
      assert.equal(mail.next_attempt_at, null, "a failed mail is not tried again");
      assert.equal(Date.parse(mail.failed_at), t.clock.now);
    });

    it("filters by status (pending, sent, or all) and pages with limit and offset, newest first", async () => {
      const { app } = await refusingApp();
      const token = await adminToken(app);
      const { failed, sent, pending } = await oneOfEach(app);
      const ids = async (query: string) => {
        const body = await (await list(app, token, query)).json();
        return { ids: body.mails.map((mail: { id: number }) => mail.id), total: body.total };
      };
      assert.deepEqual(await ids("?status=pending"), { ids: [pending], total: 1 });
      assert.deepEqual(await ids("?status=sent"), { ids: [sent], total: 1 });
      assert.deepEqual(await ids(""), { ids: [pending, sent, failed], total: 3 });
      assert.deepEqual(await ids("?limit=1&offset=1"), { ids: [sent], total: 3 });
      const waiting = (await (await list(app, token, "?status=pending")).json()).mails[0];
      assert.equal(Date.parse(waiting.next_attempt_at), t.clock.now, "a pending mail says when it is tried next");
    });

    it("an unknown status or a limit out of range is 400 validation_failed", async () => {
      const { app } = await refusingApp();
      const token = await adminToken(app);
      for (const query of ["?status=deleted", "?status=failed'--", "?limit=0", "?limit=201", "?offset=-1"]) {
        const res = await list(app, token, query);
        assert.equal(res.status, 400, query);
        assert.equal((await res.json()).error.code, "validation_failed", query);
      }
    });

    it("a signed-in user who is not an admin gets 403 on the list and on retry, and the mail is not touched", async () => {
      const { app } = await refusingApp();
      const { failed } = await oneOfEach(app);
      const guest = await tokenFor(app, ["guest"]);
      const listed = await list(app, guest, "?status=failed");
      assert.equal(listed.status, 403);
      assert.equal((await listed.json()).error.code, "forbidden");
      const retried = await retry(app, guest, failed);
      assert.equal(retried.status, 403);
      const [mail] = await t.outbox();
      assert.deepEqual([mail?.attempts, mail?.failed_at === null], [1, false], "still failed");
    });

    it("without a token the outbox is 401, not listed", async () => {
      const { app } = await refusingApp();
      await oneOfEach(app);
      const res = await app.request("/admin/outbox?status=failed");
      assert.equal(res.status, 401);
      assert.equal((await res.json()).error.code, "unauthorized");
    });

    it("retrying a failed mail answers 202, resets its tries, logs who did it, and delivers it once the server takes it", async () => {
      const { app, server, refusing } = await refusingApp();
      const token = await adminToken(app);
      const { failed } = await oneOfEach(app);

      // The cause is fixed (say, the address was a typo the mail server now accepts).
      refusing.on = false;
      const res = await retry(app, token, failed);
      assert.equal(res.status, 202);
      const body = await res.json();
      assert.deepEqual(body, { id: failed, next_attempt_at: new Date(t.clock.now).toISOString() });
      await app.services.mailer.idle();
      const delivered = server.accepted.filter((mail) => mail.to === "gone@example.com");
      assert.equal(delivered.length, 1);
      assert.match(delivered[0]?.text ?? "", new RegExp(LINK_TOKEN), "the mail as it was written");
      const row = (await t.outbox()).find((r) => r.id === failed);
      assert.deepEqual([row?.attempts, row?.failed_at], [1, null], "counted from zero, then one try that worked");
      assert.notEqual(row?.sent_at, null);
      const log = await t.database.db.selectFrom("log").selectAll().where("event", "=", "mail.retried").execute();
      assert.equal(log.length, 1);
      assert.deepEqual(log[0]?.data, { outbox_id: failed });
      assert.notEqual(log[0]?.user_id, null);
    });

    it("retrying a pending mail makes it due now with its tries reset", async () => {
      const down = await startFaultySmtp({ recipient: () => 451 });
      t.closeAfter(down.close);
      const app = await t.open({ SMTP_URL: down.url });
      const token = await adminToken(app);
      const id = await t.queue("busy@example.com");
      await app.services.mailer.deliverDue();
      const [before] = await t.outbox();
      assert.ok((before?.next_attempt_at.getTime() ?? 0) > t.clock.now, "waiting for its backoff");

      const res = await retry(app, token, id);
      assert.equal(res.status, 202);
      await app.services.mailer.idle();
      const [after] = await t.outbox();
      assert.equal(after?.attempts, 1, "reset to zero, then tried at once");
      assert.match(after?.last_error ?? "", /451/);
    });

    it("retrying a delivered mail is 409 mail_already_sent and sends nothing", async () => {
      const { app, server } = await refusingApp();
      const token = await adminToken(app);
      const { sent } = await oneOfEach(app);
      const res = await retry(app, token, sent);
      assert.equal(res.status, 409);
      assert.equal((await res.json()).error.code, "mail_already_sent");
      await app.services.mailer.idle();
      assert.equal(server.accepted.filter((mail) => mail.to === "here@example.com").length, 1, "not sent twice");
      assert.equal((await t.database.db.selectFrom("log").selectAll().execute()).length, 0, "nothing logged");
    });

    it("retrying an unknown id is 404 mail_not_found; a malformed or huge id is 400", async () => {
      const { app } = await refusingApp();
      const token = await adminToken(app);
      const unknown = await retry(app, token, 424242);
      assert.equal(unknown.status, 404);
      assert.equal((await unknown.json()).error.code, "mail_not_found");
      for (const id of ["abc", "0", "1.5", "99999999999999999999"]) {
        const res = await retry(app, token, id);
        assert.equal(res.status, 400, id);
        assert.equal((await res.json()).error.code, "validation_failed", id);
      }
    });

    it("retrying a mail while it is being sent is 409 mail_sending, so it is never sent twice", async () => {
      const server = await startFaultySmtp({ data: () => "hang" });
      t.closeAfter(server.close);
      const app = await t.open({ SMTP_URL: server.url, SMTP_TIMEOUT: "2" });
      const token = await adminToken(app);
      const id = await t.queue("slow@example.com");
      const sending = app.services.mailer.deliverDue();
      for (let waited = 0; server.hung.length === 0 && waited < 5000; waited += 20) await new Promise((r) => setTimeout(r, 20));
      assert.deepEqual(server.hung, ["slow@example.com"], "the server holds the message");

      const res = await retry(app, token, id);
      assert.equal(res.status, 409);
      assert.equal((await res.json()).error.code, "mail_sending");
      await sending;
      const [mail] = await t.outbox();
      assert.equal(mail?.attempts, 1, "the retry changed nothing");
      assert.ok((mail?.next_attempt_at.getTime() ?? 0) > t.clock.now, "the timed-out send waits for its backoff");
    });
  });
}
