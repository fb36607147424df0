import { tokenUnlocked } from "../auth/code-challenge.ts";
import { defineAction } from "./define-action.ts";
import { invalidToken, liveToken, type TokenOptions, tokenOptionsSchema } from "./options/token-options.ts";

export default defineAction<TokenOptions, { user_id: string }>({
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
  options: tokenOptionsSchema,
  async run({ db, services }, options) {
    const row = await liveToken(db, options, services.now()).select(["user_id", "challenge"]).executeTakeFirst();
    if (!row || !tokenUnlocked(row.challenge, options.verifier)) throw invalidToken();
    return { user_id: row.user_id };
  },
});
