import { createHmac, randomUUID } from "node:crypto";
import { TEST_JWT_SECRET } from "./test-app.ts";

/** What an attacker controls when they make a token: every header field, every claim, the key. */
export interface ForgedToken {
  readonly header?: Record<string, unknown>;
  readonly claims?: Record<string, unknown>;
  /** The HMAC key; the app's own test secret by default, so only the forged part can be wrong. */
  readonly secret?: string | Uint8Array;
}

const HMAC_HASHES: Record<string, string> = { HS256: "sha256", HS384: "sha384", HS512: "sha512" };

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

/** The claims trellis itself would sign into an access token for `roles`, valid at `now`. */
export function accessClaims(now: number, roles: unknown = ["admin"], sub = "00000000-0000-4000-8000-000000000001") {
  const iat = Math.floor(now / 1000);
  return { iss: "trellis", aud: "trellis", sub, email: "mallory@example.com", roles, iat, exp: iat + 900, jti: randomUUID() };
}

/**
 * A token made by hand, as an attacker makes one: HMAC-signed by the header's
 * `alg` (HS256/384/512), or with an empty signature for any other `alg`
 * (`none`). jose refuses to sign most of what an attacker sends, so it is not used.
 */
export function forgeToken({ header = {}, claims = {}, secret = TEST_JWT_SECRET }: ForgedToken): string {
  const fullHeader = { alg: "HS256", typ: "at+jwt", ...header };
  const signingInput = `${base64url(fullHeader)}.${base64url(claims)}`;
  const hash = HMAC_HASHES[String(fullHeader.alg)];
  if (!hash) return `${signingInput}.`;
  return `${signingInput}.${createHmac(hash, secret).update(signingInput).digest("base64url")}`;
}
