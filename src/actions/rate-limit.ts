import { enforceLimit, recordHit } from "../auth/rate-limit-store.ts";
import { defineAction } from "./define-action.ts";
import { durationSchema, durationSeconds } from "./options/duration.ts";

interface RateLimitOptions {
  key: string;
  limit: number;
  window: number | string;
}

export default defineAction<RateLimitOptions>({
  name: "rate-limit",
  description:
    "Allows `limit` calls per `key` in any `window`. Past that, the answer is 429 `too_many_requests` with `Retry-After`. Every call counts, even one whose request fails later. The calls are counted in the database, one after the other per key, so parallel calls cannot slip past it and every instance shares the count.",
  result: "Nothing.",
  example: `# endpoints/invites.post.yaml
allow: authenticated
steps:
  - rate-limit: { key: "invite:\${auth.sub}", limit: 10, window: 1h }
  - rate-limit: { key: "invite-ip:\${request.ip}", limit: 100, window: 86400 }
`,
  options: {
    type: "object",
    properties: {
      key: {
        type: "string",
        minLength: 1,
        maxLength: 500,
        description: 'What is counted: a text, usually with a reference, e.g. `"forgot:${body.email}"` or `"register:${request.ip}"`.',
      },
      limit: { type: "integer", minimum: 1, maximum: 1_000_000, literal: true, description: "Calls allowed per `key` in a `window`." },
      window: { ...durationSchema, description: "The duration over which calls are counted." },
    },
    required: ["key", "limit", "window"],
    additionalProperties: false,
  },
  async run({ db, services }, { key, limit, window }) {
    const now = services.now();
    await enforceLimit(db, `limit:${key}`, limit, durationSeconds(window), now);
    await recordHit(db, `limit:${key}`, now);
  },
});
