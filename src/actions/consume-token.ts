import { tokenUnlocked } from "../auth/code-challenge.ts";
import { defineAction } from "./define-action.ts";
import { invalidToken, liveToken, type TokenOptions, tokenOptionsSchema } from "./options/token-options.ts";

export default defineAction<TokenOptions, { user_id: string }>({
  name: "consume-token",
  description:
    "Spends a token from `issue-token`, atomically. The token must be of this purpose, unexpired and unused; otherwise the answer is 400 `invalid_token`. A token of another purpose never works, so a confirmation token cannot reset a password. A token issued with a `challenge` is spent only with its `verifier`; a missing or wrong one is the same 400 `invalid_token` and leaves the token usable, so a typo is not fatal (guessing a verifier is hopeless: 256 bits). Together with `issue-token`, it builds new flows without TypeScript: the example trades the sign-in code that `issue-token`'s example mails for a token pair.",
  result: "`{ user_id }`: the user the token was issued to.",
  example: `# endpoints/auth/sign-in-code/redeem.post.yaml
summary: Trade a sign-in code for a token pair
allow: public
input:
  body:
    code: { type: string, minLength: 20, maxLength: 200 }
steps:
  - consume-token: { token: "\${body.code}", purpose: sign-in-code }
    as: consumed
  - find-user: { id: "\${consumed.user_id}" }
    as: user
  - issue-refresh-token: { user: "\${user.id}" }
    as: refresh
  - sign-jwt:
      subject: "\${user.id}"
      claims: { email: "\${user.email}", roles: "\${user.roles}", sid: "\${refresh.family_id}" }
    as: access
  - log: { event: login.code, user: "\${user.id}" }
response:
  headers: { Cache-Control: no-store }
  body:
    access_token: "\${access.token}"
    refresh_token: "\${refresh.token}"
    token_type: Bearer
    expires_in: "\${access.expires_in}"
`,
  options: tokenOptionsSchema,
  async run({ db, services }, options) {
    const now = services.now();
    // Locked, checked, then spent, in the request's transaction: a wrong verifier leaves the token as it was.
    const found = await liveToken(db, options, now).select(["id", "challenge"]).forUpdate().executeTakeFirst();
    const unlocked = tokenUnlocked(found?.challenge ?? null, options.verifier);
    const row =
      found && unlocked
        ? await db
            .updateTable("one_time_tokens")
            .set({ consumed_at: now })
            .where("id", "=", found.id)
            .where("consumed_at", "is", null)
            .returning("user_id")
            .executeTakeFirst()
        : undefined;
    if (!row) throw invalidToken();
    return row;
  },
});
