/** Access tokens the bench signs for itself, exactly as trellis's sign-jwt would (same secret, header and claims). */
import { randomUUID } from "node:crypto";
import * as jose from "jose";
import { AUDIENCE, ISSUER, JWT_SECRET } from "../config.ts";

const key = new TextEncoder().encode(JWT_SECRET);

export interface TokenUser {
  readonly id: string;
  readonly email: string;
}

export async function accessToken(user: TokenUser, ttlSeconds = 3600): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new jose.SignJWT({ email: user.email, roles: ["guest"], sid: randomUUID() })
    .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(user.id)
    .setIssuedAt(now)
    .setExpirationTime(now + ttlSeconds)
    .setJti(randomUUID())
    .sign(key);
}
