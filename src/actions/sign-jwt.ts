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
    "Signs an access token (header typ at+jwt; iss, aud, sub, iat, exp, jti set) with the app's key; returns `{ token, expires_in, jti }`. `expires_in` defaults to ACCESS_TOKEN_TTL.",
  pure: true,
  options: {
    type: "object",
    properties: {
      subject: { type: "string", minLength: 1 },
      claims: { type: "object" },
      expires_in: durationSchema,
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
