import type { KeyStore } from "../auth/key-store.ts";
import { UnauthorizedError } from "../errors.ts";
import type { Principal } from "../rbac/authorize.ts";

const BEARER = /^Bearer\s+([A-Za-z0-9._~+/=-]+)\s*$/i;

/**
 * The request's principal: none without an Authorization header; a
 * verified token otherwise. A header that is present but not a valid bearer
 * token is a 401 even on a public endpoint, so a client never mistakes a
 * rejected token for being signed in.
 */
export async function resolvePrincipal(header: string | undefined, keys: KeyStore): Promise<Principal | null> {
  if (header === undefined || header.trim() === "") return null;
  const match = BEARER.exec(header);
  if (!match?.[1]) throw new UnauthorizedError("Send the access token as Authorization: Bearer <token>", "invalid_token");
  return keys.verifyAccessToken(match[1]);
}
