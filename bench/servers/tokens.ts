/**
 * The baseline's access tokens: jose with the HMAC key imported once as a
 * CryptoKey, HS256 pinned, iss/aud "trellis", typ "at+jwt", sub/exp/iat
 * required; signing sets the same header and claims as trellis's sign-jwt.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import * as jose from "jose";
import { unauthorized } from "./http.ts";

const ISSUER = "trellis";
const AUDIENCE = "trellis";
const TYPE = "at+jwt";
const ACCESS_TTL_S = 900;
const BEARER = /^([A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*)\s+([A-Za-z0-9._~+/=-]+)\s*$/;

export type Claims = jose.JWTPayload & { sub: string; roles: readonly string[] };

export async function createTokens(secret: string) {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
  const verifyOptions: jose.JWTVerifyOptions = {
    algorithms: ["HS256"],
    issuer: ISSUER,
    audience: AUDIENCE,
    typ: TYPE,
    requiredClaims: ["sub", "exp", "iat"],
  };

  async function verify(token: string): Promise<Claims> {
    try {
      const { payload } = await jose.jwtVerify(token, key, verifyOptions);
      const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === "string") : [];
      return { ...payload, sub: payload.sub as string, roles };
    } catch (error) {
      const expired = error instanceof jose.errors.JWTExpired;
      throw unauthorized(expired ? "The access token has expired" : "The access token is not valid", "invalid_token");
    }
  }

  return {
    /** No header: anonymous (null). A header that is not a valid bearer token of ours: 401, as in trellis. */
    async principal(header: string | undefined): Promise<Claims | null> {
      if (header === undefined || header.trim() === "") return null;
      const match = BEARER.exec(header);
      if (!match?.[2] || match[1]?.toLowerCase() !== "bearer") {
        throw unauthorized("Send the access token as Authorization: Bearer <token>", "invalid_token");
      }
      return verify(match[2]);
    },
    async sign(subject: string, claims: Record<string, unknown>): Promise<{ token: string; expires_in: number }> {
      const issuedAt = Math.floor(Date.now() / 1000);
      const token = await new jose.SignJWT(claims)
        .setProtectedHeader({ alg: "HS256", typ: TYPE })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(subject)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + ACCESS_TTL_S)
        .setJti(randomUUID())
        .sign(key);
      return { token, expires_in: ACCESS_TTL_S };
    },
  };
}

/** Opaque refresh tokens: 256 random bits, stored as their SHA-256 (src/auth/opaque-token.ts). */
export const newOpaqueToken = (): string => randomBytes(32).toString("base64url");
export const hashToken = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex");
