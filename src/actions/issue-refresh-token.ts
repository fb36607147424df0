import { type IssuedRefreshToken, issueRefreshToken } from "../auth/refresh-tokens.ts";
import { defineAction } from "./define-action.ts";

export default defineAction<{ user: string }, IssuedRefreshToken>({
  name: "issue-refresh-token",
  description:
    "Starts a login: issues an opaque refresh token (256 random bits, stored only as its SHA-256) in a new family; returns `{ token, family_id, expires_at }`. Lifetime REFRESH_TOKEN_TTL.",
  options: {
    type: "object",
    properties: { user: { type: "string", minLength: 1 } },
    required: ["user"],
    additionalProperties: false,
  },
  run: ({ db, services }, { user }) => issueRefreshToken(db, user, undefined, services.now(), services.config.jwt.refreshTtlSeconds),
});
