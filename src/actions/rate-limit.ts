import { type HitOutcome, takeHit, tooManyRequests } from "../auth/rate-limit-store.ts";
import type { Db, Tx } from "../db/schema.ts";
import { defineAction } from "./define-action.ts";
import { durationSchema, durationSeconds } from "./options/duration.ts";

interface RateLimitOptions {
  key: string;
  limit: number;
  window: number | string;
  report?: boolean;
}

export default defineAction<RateLimitOptions, boolean>({
  name: "rate-limit",
  description: [
    "Allows `limit` calls per `key` in any `window`. Past that, the answer is 429 `too_many_requests` with `Retry-After`. A call past the limit is not counted, so it does not stretch the window.",
    "With `report: true` nothing is refused: the result says whether the call was within the limit (and counted), for a later step's `when:`. That caps something silently, where a 429 would tell too much: the shipped `forgot-password` counts only the reset mails it sends to an account, so a stranger cannot use up an address's cap before its owner registers, and the answer stays the same whether or not the address has an account.",
    "The calls are counted in the database, one after the other per key, so parallel calls cannot slip past it and every instance shares the count. When no earlier step has begun the request's transaction, the count is committed at once: a call counts even if its request fails later, and a slow step after it (a password compare) holds no database connection. After a step that writes, it is counted in the request's transaction and kept only if that commits.",
    "For a cap per client, put `${request.ip}` in the key (see `TRUST_PROXY`). A request with no known client address (in-process `app.request()`, which has no socket) counts under an empty address: all of them share one count.",
  ].join("\n\n"),
  result:
    "`true` when the call was within the limit (and counted); with `report: true`, `false` when it was not (and nothing was counted).",
  example: `# endpoints/invites.post.yaml
allow: authenticated
input:
  body:
    email: { type: string, format: email, maxLength: 254 }
steps:
  # Refuses a flood from one client with 429.
  - rate-limit: { key: "invite-ip:\${request.ip}", limit: 100, window: 15m }
  # Caps the mails per invited address without saying so: past 3 a day, the answer is the same and no mail goes.
  - rate-limit: { key: "invite-mail:\${body.email}", limit: 3, window: 1d, report: true }
    as: may_mail
  - send-mail: { to: "\${body.email}", subject: You are invited, text: "Join us at \${app.public_url}" }
    when: "\${may_mail}"
response:
  status: 202
  body: { message: The invitation is on its way. }
`,
  // Not a read, but it must not begin the request's transaction: see run.
  readsOnly: true,
  options: {
    type: "object",
    properties: {
      key: {
        type: "string",
        minLength: 1,
        maxLength: 500,
        description: 'What is counted: a text, usually with a reference, e.g. `"forgot:${user.id}"` or `"register-ip:${request.ip}"`.',
      },
      limit: { type: "integer", minimum: 1, maximum: 1_000_000, literal: true, description: "Calls allowed per `key` in a `window`." },
      window: { ...durationSchema, description: "The duration over which calls are counted." },
      report: {
        type: "boolean",
        literal: true,
        default: false,
        description: "Refuse nothing: return `false` past the limit instead of answering 429.",
      },
    },
    required: ["key", "limit", "window"],
    additionalProperties: false,
  },
  async run({ db, services }, { key, limit, window, report = false }) {
    const now = services.now();
    const seconds = durationSeconds(window);
    const take = (tx: Db | Tx) => takeHit(tx, `limit:${key}`, limit, seconds, now);
    // Before any write the request holds no transaction: count in a short one of our own, committed at once.
    const outcome: HitOutcome = db === services.db ? await services.db.transaction().execute(take) : await take(db);
    if (outcome.counted) return true;
    if (report) return false;
    throw tooManyRequests(outcome.oldest, seconds, now);
  },
});
