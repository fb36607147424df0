import type { KeyStore } from "../auth/key-store.ts";
import { UnauthorizedError } from "../errors.ts";
import type { Principal } from "../rbac/authorize.ts";

// The token must be a compact JWS (three unpadded base64url parts): jose would also take `=` padding, so one token
// could be sent as several strings.
const TOKEN = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\s*$/;

/**
 * The request's principal: none without an Authorization header; a
 * verified token otherwise, sent with one of the app's schemes (trellis.yaml
 * `auth.schemes`; `Bearer` by default). A header that is present but not a valid bearer
 * token is a 401 even on a public endpoint, so a client never mistakes a
 * rejected token for being signed in.
 */
export function resolvePrincipal(
  header: string | undefined,
  keys: KeyStore,
  schemes: readonly string[] = ["Bearer"],
): Principal | null | Promise<Principal> {
  if (header === undefined || header.trim() === "") return null;
  const match = TOKEN.exec(header);
  const scheme = match?.[1]?.toLowerCase();
  if (!match?.[2] || !schemes.some((accepted) => accepted.toLowerCase() === scheme)) {
    throw new UnauthorizedError(`Send the access token as Authorization: ${schemes[0] ?? "Bearer"} <token>`, "invalid_token");
  }
  // A token seen before is answered at once: no promise to wait for on the hot path.
  return keys.knownAccessToken(match[2]) ?? keys.verifyAccessToken(match[2]);
}
