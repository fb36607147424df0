import { type IssuedRefreshToken, issueRefreshToken } from "../auth/refresh-tokens.ts";
import { defineAction } from "./define-action.ts";

export default defineAction<{ user: string; amr?: string[] }, IssuedRefreshToken>({
  name: "issue-refresh-token",
  description:
    "Starts a login: it issues an opaque refresh token (256 random bits, stored only as its SHA-256) in a new family, the login. The lifetime is `REFRESH_TOKEN_TTL`. `amr` says how the user proved who they are (RFC 8176: `pwd` for a password, `mfa` and `otp` after a second factor); the login keeps it through every rotation, so a refreshed access token can carry the same `amr`. `rotate-refresh-token` trades it for the next one, and `revoke-refresh-tokens` ends the login.",
  result: "`{ token, family_id, expires_at, amr }`; `family_id` names the login (the shipped access tokens carry it as `sid`).",
  example: `# endpoints/auth/sign-in.post.yaml
summary: Sign in with email and password, for a token pair
allow: public
input:
  body:
    email: { type: string, transform: [trim, toLowerCase], minLength: 1, maxLength: 254 }
    password: { type: string, minLength: 1, maxBytes: 72 }
steps:
  - authenticate: { email: "\${body.email}", password: "\${body.password}" }
    as: user
  - issue-refresh-token: { user: "\${user.id}", amr: [pwd] }
    as: refresh
  - sign-jwt:
      subject: "\${user.id}"
      claims: { email: "\${user.email}", roles: "\${user.roles}", sid: "\${refresh.family_id}", amr: "\${refresh.amr}" }
    as: access
response:
  headers: { Cache-Control: no-store }
  body: { access_token: "\${access.token}", refresh_token: "\${refresh.token}", expires_in: "\${access.expires_in}" }
`,
  options: {
    type: "object",
    properties: {
      user: { type: "string", minLength: 1, description: "The user id." },
      amr: {
        type: "array",
        maxItems: 10,
        items: { type: "string", pattern: "^[a-z][a-z0-9_-]*$", maxLength: 32 },
        description: "How the sign-in was proven, as RFC 8176 `amr` values: `[pwd]`, `[mfa, otp]`…; none by default.",
      },
    },
    required: ["user"],
    additionalProperties: false,
  },
  run: ({ db, services }, { user, amr = [] }) =>
    issueRefreshToken(db, user, undefined, services.now(), services.config.jwt.refreshTtlSeconds, amr),
});
