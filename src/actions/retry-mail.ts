import { TrellisError } from "../errors.ts";
import { retryMail } from "../mail/retry.ts";
import { defineAction } from "./define-action.ts";

const refusals = {
  not_found: () => new TrellisError(404, "mail_not_found", "There is no such mail in the outbox"),
  already_sent: () => new TrellisError(409, "mail_already_sent", "This mail was delivered already"),
  being_sent: () => new TrellisError(409, "mail_sending", "This mail is being sent right now; look again in a moment"),
};

export default defineAction<{ id: number }, { id: number; next_attempt_at: Date }>({
  name: "retry-mail",
  description: [
    "Sends a mail of the `outbox` table again: a failed one (refused by the mail server, or out of tries) or a pending one becomes due now, with its tries counted from zero. Delivery starts after the commit.",
    "An unknown id is 404 `mail_not_found`. A delivered mail is 409 `mail_already_sent`: its text was cleared once it went out. A mail that is being sent at this moment is 409 `mail_sending`, so it is never sent twice. docs/mail.md tells when mail fails.",
  ].join("\n\n"),
  result: "`{ id, next_attempt_at }`: the mail, and when it is due (now).",
  example: `# endpoints/admin/outbox/[id]/retry.post.yaml
allow: [admin]
input:
  params:
    id: { type: integer, minimum: 1 }
steps:
  - retry-mail: { id: "\${params.id}" }
    as: mail
  - log: { event: mail.retried, user: "\${auth.sub}", data: { outbox_id: "\${mail.id}" } }
response:
  status: 202
  body: "\${mail}"
`,
  options: {
    type: "object",
    properties: {
      id: { type: "integer", minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: "The mail's id in the `outbox` table." },
    },
    required: ["id"],
    additionalProperties: false,
  },
  async run({ db, services, after }, { id }) {
    const result = await retryMail(db, id, services.now());
    if (result.outcome !== "retried") throw refusals[result.outcome]();
    after(async (outcome) => {
      if (outcome === "committed") await services.mailer.queued();
    });
    return { id: result.id, next_attempt_at: result.next_attempt_at };
  },
});
