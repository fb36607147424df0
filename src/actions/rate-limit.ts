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
    'Allows `limit` calls per `key` (e.g. "forgot:${request.ip}") in each `window`; past that, 429 with Retry-After. Calls are counted in the database, one after the other per key, so parallel calls cannot slip past it and every instance shares the count.',
  options: {
    type: "object",
    properties: {
      key: { type: "string", minLength: 1, maxLength: 500 },
      limit: { type: "integer", minimum: 1, maximum: 1_000_000, literal: true },
      window: durationSchema,
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
