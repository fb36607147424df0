import { hashToken, newLinkToken } from "../auth/opaque-token.ts";
import { defineAction } from "./define-action.ts";
import { durationSchema, durationSeconds } from "./options/duration.ts";
import { purposeSchema } from "./options/purpose.ts";

interface IssueTokenOptions {
  user: string;
  purpose: string;
  expires_in: number | string;
  replace?: boolean;
}

export default defineAction<IssueTokenOptions, { token: string; expires_at: Date }>({
  name: "issue-token",
  description:
    "Issues a single-use token for a purpose (confirm-email, reset-password, an invitation…), stored only as its SHA-256, expiring after `expires_in`; returns `{ token, expires_at }`. With `replace` (the default) the user's earlier tokens for that purpose stop working.",
  options: {
    type: "object",
    properties: {
      user: { type: "string", minLength: 1 },
      purpose: purposeSchema,
      expires_in: durationSchema,
      replace: { type: "boolean", literal: true },
    },
    required: ["user", "purpose", "expires_in"],
    additionalProperties: false,
  },
  async run({ db, services }, { user, purpose, expires_in, replace = true }) {
    const now = services.now();
    if (replace) {
      await db
        .updateTable("one_time_tokens")
        .set({ expires_at: now })
        .where("user_id", "=", user)
        .where("purpose", "=", purpose)
        .where("consumed_at", "is", null)
        .where("expires_at", ">", now)
        .execute();
    }
    const token = newLinkToken();
    const expiresAt = new Date(now.getTime() + durationSeconds(expires_in) * 1000);
    await db
      .insertInto("one_time_tokens")
      .values({ user_id: user, purpose, token_hash: hashToken(token), expires_at: expiresAt, created_at: now })
      .execute();
    return { token, expires_at: expiresAt };
  },
});
