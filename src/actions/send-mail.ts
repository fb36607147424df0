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
    "Queues a mail in the `outbox` table, in the request's transaction. The mail is delivered after the commit, retried while the mail server is down, and never sent if the request fails (docs/mail.md tells how). Values that references put into `html` are HTML-escaped. Line breaks are removed from `to` and `subject`, so no value can add a mail header.",
  result: "`{ queued }`: the mail's id in the `outbox` table.",
  example: `# endpoints/admin/invite.post.yaml
allow: [admin]
input:
  body:
    email: { type: string, format: email, maxLength: 254 }
    name: { type: string, maxLength: 100 }
steps:
  - send-mail:
      to: "\${body.email}"
      subject: "An invitation for \${body.name}"
      text: |
        Hello \${body.name},

        you are invited. Register at \${app.public_url}/auth/register.
      html: |
        <p>Hello \${body.name},</p>
        <p>you are invited. Register at <a href="\${app.public_url}/auth/register">\${app.public_url}</a>.</p>
    as: mail
response:
  status: 202
  body: { queued: "\${mail.queued}" }
`,
  html: ["html"],
  options: {
    type: "object",
    properties: {
      to: { type: "string", format: "email", maxLength: 254, description: "The recipient's email address." },
      subject: { type: "string", minLength: 1, maxLength: 300, description: "The subject, up to 300 characters." },
      text: { type: "string", minLength: 1, maxLength: 100_000, description: "The plain-text body." },
      html: { type: "string", maxLength: 200_000, description: "An HTML body, besides the text." },
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
