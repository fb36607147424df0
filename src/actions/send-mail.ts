import { defineAction } from "./define-action.ts";

interface SendMailOptions {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export default defineAction<SendMailOptions, { queued: number }>({
  name: "send-mail",
  description:
    "Queues a mail in the outbox, in the request's transaction: it is delivered after the commit (retried while the mail server is down) and never if the request fails. Values interpolated into `html` are HTML-escaped; line breaks cannot reach a header.",
  html: ["html"],
  options: {
    type: "object",
    properties: {
      to: { type: "string", format: "email", maxLength: 254 },
      subject: { type: "string", minLength: 1, maxLength: 300 },
      text: { type: "string", minLength: 1, maxLength: 100_000 },
      html: { type: "string", maxLength: 200_000 },
    },
    required: ["to", "subject", "text"],
    additionalProperties: false,
  },
  async run({ db, services, after }, { to, subject, text, html }) {
    const row = await db
      .insertInto("outbox")
      .values({
        to: to.replace(/[\r\n]/g, ""),
        subject: subject.replace(/[\r\n]+/g, " "),
        text,
        html: html ?? null,
        next_attempt_at: services.now(),
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    after(async (outcome) => {
      if (outcome === "committed") await services.mailer.queued();
    });
    return { queued: row.id };
  },
});
