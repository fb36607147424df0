import { tokenUnlocked } from "../auth/code-challenge.ts";
import { hashToken } from "../auth/opaque-token.ts";
import { TrellisError } from "../errors.ts";
import { defineAction } from "./define-action.ts";
import { purposeSchema } from "./options/purpose.ts";

export default defineAction<{ token: string; purpose: string; verifier?: string }, { user_id: string }>({
  name: "check-token",
  description: [
    "Reads a token from `issue-token` without spending it: it must be of this purpose, unexpired and unused, and a token issued with a `challenge` needs its `verifier`, or the answer is 400 `invalid_token`, as `consume-token` answers. It only reads, so a pipeline can learn whose token it is before any step writes.",
    "That matters before a step that counts failures, such as `totp-verify`: when it is the first step to write, parallel guesses are counted one after another (each waits for the one before to commit), so check the sign-in ticket first and spend it with `consume-token` after the code was right, as the shipped `POST /auth/2fa/verify` does.",
  ].join("\n\n"),
  result: "`{ user_id }`: the user the token was issued to.",
  example: `# endpoints/invitations/check.get.yaml
summary: Whether an invitation link still works, before the form that accepts it is shown
allow: public
input:
  query:
    token: { type: string, minLength: 20, maxLength: 200 }
steps:
  - check-token: { token: "\${query.token}", purpose: invitation }
    as: invitation
  - find-user: { id: "\${invitation.user_id}" }
    as: user
response:
  body: { email: "\${user.email}" }
`,
  readsOnly: true,
  options: {
    type: "object",
    properties: {
      token: { type: "string", maxLength: 200, description: "The token, as the client sends it." },
      purpose: { ...purposeSchema, description: "The purpose it was issued for, as written in `issue-token`." },
      verifier: {
        type: "string",
        maxLength: 200,
        description:
          "As for `consume-token`: the code verifier of a token issued with a `challenge`; with it, a token issued without one is refused.",
      },
    },
    required: ["token", "purpose"],
    additionalProperties: false,
  },
  async run({ db, services }, { token, purpose, verifier }) {
    const row = await db
      .selectFrom("one_time_tokens")
      .select(["user_id", "challenge"])
      .where("token_hash", "=", hashToken(token))
      .where("purpose", "=", purpose)
      .where("consumed_at", "is", null)
      .where("expires_at", ">", services.now())
      .executeTakeFirst();
    if (!row || !tokenUnlocked(row.challenge, verifier)) {
      throw new TrellisError(400, "invalid_token", "This link is not valid: it may have expired or been used already");
    }
    return { user_id: row.user_id };
  },
});
