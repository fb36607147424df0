import { hashToken } from "../auth/opaque-token.ts";
import { TrellisError } from "../errors.ts";
import { defineAction } from "./define-action.ts";
import { purposeSchema } from "./options/purpose.ts";

export default defineAction<{ token: string; purpose: string }, { user_id: string }>({
  name: "consume-token",
  description:
    "Spends a token from issue-token, atomically: it must be of this purpose, unexpired and unused. Returns `{ user_id }`; otherwise 400 invalid_token.",
  options: {
    type: "object",
    properties: {
      token: { type: "string", maxLength: 200 },
      purpose: purposeSchema,
    },
    required: ["token", "purpose"],
    additionalProperties: false,
  },
  async run({ db, services }, { token, purpose }) {
    const now = services.now();
    const row = await db
      .updateTable("one_time_tokens")
      .set({ consumed_at: now })
      .where("token_hash", "=", hashToken(token))
      .where("purpose", "=", purpose)
      .where("consumed_at", "is", null)
      .where("expires_at", ">", now)
      .returning("user_id")
      .executeTakeFirst();
    if (!row) throw new TrellisError(400, "invalid_token", "This link is not valid: it may have expired or been used already");
    return row;
  },
});
