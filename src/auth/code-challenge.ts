import { createHash } from "node:crypto";
import { sameText } from "./same-text.ts";

/** An S256 code challenge (RFC 7636): 43 base64url characters. */
export const CODE_CHALLENGE_PATTERN = "^[A-Za-z0-9_-]{43}$";

/** The S256 challenge of a verifier: base64url(SHA-256(verifier)), as the app computes it with crypto.subtle. */
export const s256Challenge = (verifier: string): string => createHash("sha256").update(verifier, "ascii").digest("base64url");

/**
 * Whether a token may be used: one issued with a challenge only with its verifier, and one issued
 * without only with none, so an endpoint that asks for a verifier never takes an unbound token.
 */
export function tokenUnlocked(challenge: string | null, verifier: string | undefined): boolean {
  return challenge === null ? verifier === undefined : verifier !== undefined && verifierMatches(verifier, challenge);
}

/** Whether `verifier` is the one `challenge` was made from, compared in constant time. */
export function verifierMatches(verifier: string, challenge: string): boolean {
  return sameText(s256Challenge(verifier), challenge);
}
