import { CODE_CHALLENGE_PATTERN } from "../auth/code-challenge.ts";
import { hashToken, newLinkToken } from "../auth/opaque-token.ts";
import { defineAction } from "./define-action.ts";
import { durationSchema, durationSeconds } from "./options/duration.ts";
import { purposeSchema } from "./options/purpose.ts";

interface IssueTokenOptions {
  user: string;
  purpose: string;
  expires_in: number | string;
  replace?: boolean;
  challenge?: string;
}

export default defineAction<IssueTokenOptions, { token: string; expires_at: Date }>({
  name: "issue-token",
  description:
    "Issues a single-use token for a purpose, such as `confirm-email`, `reset-password`, an invitation or a sign-in code. It is 160 random bits, short enough that a link line in a mail stays plain 7-bit text, stored only as its SHA-256, and it expires after `expires_in`. With `replace` (the default), the user's earlier unused tokens for that purpose stop working. With `challenge` (an S256 code challenge, as in PKCE), only the client holding its verifier can spend it, so a token that leaks or is planted on someone else is useless to them. `consume-token` spends it: its example redeems the code this one mails.",
  result: "`{ token, expires_at }`: the token itself, to mail (it is kept only as a hash), and when it expires.",
  example: `# endpoints/auth/sign-in-code.post.yaml
summary: Mail a one-time sign-in code
allow: public
input:
  body:
    email: { type: string, transform: [trim, toLowerCase], format: email, maxLength: 254 }
steps:
  - rate-limit: { key: "sign-in-code:\${body.email}", limit: 5, window: 1h }
  - find-user: { email: "\${body.email}" }
    as: user
  - respond: { status: 202, body: { message: "If the address has an account, a code is on its way." } }
    when: "\${!user}"
  - issue-token: { user: "\${user.id}", purpose: sign-in-code, expires_in: 15m }
    as: code
  - send-mail:
      to: "\${user.email}"
      subject: Your sign-in code
      text: |
        Your sign-in code, valid for 15 minutes and only once:

        \${code.token}
response:
  status: 202
  body: { message: "If the address has an account, a code is on its way." }
`,
  options: {
    type: "object",
    properties: {
      user: { type: "string", minLength: 1, description: "The user id." },
      purpose: { ...purposeSchema, description: "What the token is for, kebab-case, e.g. `magic-link`; `consume-token` names the same." },
      expires_in: { ...durationSchema, description: "How long the token works." },
      replace: {
        type: "boolean",
        literal: true,
        default: true,
        description: "Whether the user's earlier unused tokens for this purpose stop working.",
      },
      challenge: {
        type: "string",
        pattern: CODE_CHALLENGE_PATTERN,
        description:
          "An S256 code challenge, `base64url(SHA-256(verifier))` (RFC 7636), from the client that will trade the token: then `consume-token` spends it only with that `verifier`.",
      },
    },
    required: ["user", "purpose", "expires_in"],
    additionalProperties: false,
  },
  async run({ db, services }, { user, purpose, expires_in, replace = true, challenge }) {
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
      .values({
        user_id: user,
        purpose,
        token_hash: hashToken(token),
        challenge: challenge ?? null,
        expires_at: expiresAt,
        created_at: now,
      })
      .execute();
    return { token, expires_at: expiresAt };
  },
});
