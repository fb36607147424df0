import type { SignedToken } from "../auth/key-store.ts";
import { defineAction } from "./define-action.ts";
import { durationSchema, durationSeconds } from "./options/duration.ts";

interface SignJwtOptions {
  subject: string;
  claims?: Record<string, unknown>;
  expires_in?: number | string;
}

const RESERVED = ["iss", "aud", "sub", "exp", "iat", "nbf", "jti"];

export default defineAction<SignJwtOptions, SignedToken>({
  name: "sign-jwt",
  description:
    "Signs an access token with the app's key. The header has `typ: at+jwt`, and `iss`, `aud`, `sub`, `iat`, `exp` and `jti` are set. Put the user's roles in `claims.roles`, because that is what `allow:` reads.",
  result: "`{ token, expires_in, jti }`: the token, its lifetime in seconds and its id.",
  example: `# endpoints/auth/short-token.post.yaml
summary: A five-minute access token with the caller's current roles
allow: authenticated
steps:
  - find-user: { id: "\${auth.sub}" }
    as: user
  - sign-jwt:
      subject: "\${user.id}"
      claims: { email: "\${user.email}", roles: "\${user.roles}", sid: "\${auth.sid}" }
      expires_in: 5m
    as: access
response:
  headers: { Cache-Control: no-store }
  body: { access_token: "\${access.token}", expires_in: "\${access.expires_in}" }
`,
  pure: true,
  options: {
    type: "object",
    properties: {
      subject: { type: "string", minLength: 1, description: "The `sub` claim, normally the user id." },
      claims: {
        type: "object",
        description:
          "More claims, such as `email`, `roles` and `sid`; `iss`, `aud`, `sub`, `exp`, `iat`, `nbf` and `jti` are refused at load.",
      },
      expires_in: { ...durationSchema, description: "The token's lifetime; by default `ACCESS_TOKEN_TTL`." },
    },
    required: ["subject"],
    additionalProperties: false,
  },
  check: ({ claims = {} }) =>
    Object.keys(claims)
      .filter((claim) => RESERVED.includes(claim))
      .map((claim) => ({ at: ["claims", claim], message: `"${claim}" is set by trellis itself` })),
  run: ({ services }, { subject, claims = {}, expires_in }) =>
    services.keys.signAccessToken(subject, claims, expires_in === undefined ? undefined : durationSeconds(expires_in)),
});
