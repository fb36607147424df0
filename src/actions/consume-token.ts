import { tokenUnlocked } from "../auth/code-challenge.ts";
import { hashToken } from "../auth/opaque-token.ts";
import { TrellisError } from "../errors.ts";
import { defineAction } from "./define-action.ts";
import { purposeSchema } from "./options/purpose.ts";

interface ConsumeTokenOptions {
  token: string;
  purpose: string;
  verifier?: string;
}

export default defineAction<ConsumeTokenOptions, { user_id: string }>({
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
  options: {
    type: "object",
    properties: {
      token: { type: "string", maxLength: 200, description: "The token, as the client sends it." },
      purpose: { ...purposeSchema, description: "The purpose it was issued for, as written in `issue-token`." },
      verifier: {
        type: "string",
        maxLength: 200,
        description:
          "The PKCE-style code verifier of the client trading the token: its `base64url(SHA-256(verifier))` must equal the `challenge` the token was issued with. With it, a token issued without a challenge is refused too, so an endpoint that asks for a verifier never takes an unbound token.",
      },
    },
    required: ["token", "purpose"],
    additionalProperties: false,
  },
  async run({ db, services }, { token, purpose, verifier }) {
    const now = services.now();
    // Locked, checked, then spent, in the request's transaction: a wrong verifier leaves the token as it was.
    const found = await db
      .selectFrom("one_time_tokens")
      .select(["id", "challenge"])
      .where("token_hash", "=", hashToken(token))
      .where("purpose", "=", purpose)
      .where("consumed_at", "is", null)
      .where("expires_at", ">", now)
      .forUpdate()
      .executeTakeFirst();
    const unlocked = tokenUnlocked(found?.challenge ?? null, verifier);
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
    if (!row) throw new TrellisError(400, "invalid_token", "This link is not valid: it may have expired or been used already");
    return row;
  },
});
