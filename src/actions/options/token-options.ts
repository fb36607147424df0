import { hashToken } from "../../auth/opaque-token.ts";
import type { Db, Tx } from "../../db/schema.ts";
import { TrellisError } from "../../errors.ts";
import type { JsonSchema } from "../define-action.ts";
import { purposeSchema } from "./purpose.ts";

/** What `check-token` and `consume-token` are given: a token from `issue-token`, and the proof a bound one needs. */
export interface TokenOptions {
  token: string;
  purpose: string;
  verifier?: string;
}

export const tokenOptionsSchema: JsonSchema = {
  type: "object",
  properties: {
    token: { type: "string", maxLength: 200, description: "The token, as the client sends it." },
    purpose: { ...purposeSchema, description: "The purpose it was issued for, as written in `issue-token`." },
    verifier: {
      type: "string",
      maxLength: 200,
      description:
        "The PKCE-style code verifier of the client presenting the token: its `base64url(SHA-256(verifier))` must equal the `challenge` the token was issued with. With it, a token issued without a challenge is refused too, so an endpoint that asks for a verifier never takes an unbound token.",
    },
  },
  required: ["token", "purpose"],
  additionalProperties: false,
};

/** The unused, unexpired token of this purpose, if there is one. */
export const liveToken = (db: Db | Tx, { token, purpose }: TokenOptions, now: Date) =>
  db
    .selectFrom("one_time_tokens")
    .where("token_hash", "=", hashToken(token))
    .where("purpose", "=", purpose)
    .where("consumed_at", "is", null)
    .where("expires_at", ">", now);

/** The one answer for every token that does not work, whatever the reason, so the reason is not told. */
export const invalidToken = (): TrellisError =>
  new TrellisError(400, "invalid_token", "This link is not valid: it may have expired or been used already");
