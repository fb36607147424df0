import { randomBytes, randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import * as jose from "jose";
import type { Config } from "../config.ts";
import { UnauthorizedError } from "../errors.ts";
import type { Principal } from "../rbac/authorize.ts";
import { loadSigningKey, loadVerifyingKeys, type SigningKey, type VerifyingKey } from "./signing-key.ts";

export const ACCESS_TOKEN_TYPE = "at+jwt";
const SECRET_FILE = "jwt-secret";
const MIN_SECRET_BYTES = 32;
const VERIFIED_CACHE_SIZE = 10_000;

export interface SignedToken {
  readonly token: string;
  readonly jti: string;
  /** Seconds until expiry, as OAuth's `expires_in`. */
  readonly expires_in: number;
}

/**
 * Signs access tokens with one key and verifies them with it and the retired
 * keys still trusted, each pinned to its algorithm and imported once.
 */
export interface KeyStore {
  readonly algorithm: string;
  signAccessToken(subject: string, claims: Record<string, unknown>, expiresInSeconds?: number): Promise<SignedToken>;
  /** Throws UnauthorizedError for anything but a valid, unexpired token of ours. */
  verifyAccessToken(token: string): Promise<Principal>;
  /** The principal of a token verified before and not expired yet, without waiting; else undefined. */
  knownAccessToken(token: string): Principal | undefined;
  /** Every public key that verifies (the signing one first); null when all are HS256 secrets. */
  readonly jwks: { keys: jose.JWK[] } | null;
}

export interface KeyStoreOptions {
  readonly now?: () => Date;
  readonly onWarning?: (message: string) => void;
}

/**
 * The keys of `config`: JWT_PRIVATE_KEY or else JWT_SECRET (or the generated
 * one) signs; JWT_PREVIOUS_KEYS and JWT_PREVIOUS_SECRETS only verify. Keys
 * change only with the configuration, that is, with a new store: a token
 * verified by an earlier store is not remembered by this one.
 */
export async function createKeyStore(config: Config, options: KeyStoreOptions = {}): Promise<KeyStore> {
  const warn = options.onWarning ?? (() => {});
  const signing = config.jwt.privateKey ? await loadSigningKey(config.jwt.privateKey) : await hmacKey(resolveSecret(config, warn));
  const retired = [
    ...(await loadVerifyingKeys(config.jwt.previousKeys)),
    ...(await Promise.all(
      config.jwt.previousSecrets.map((secret) => hmacKey(checkedSecret(secret, "JWT_PREVIOUS_SECRETS", config, warn))),
    )),
  ];
  return keyStoreFor(signing, retired, config, options.now ?? (() => new Date()));
}

function keyStoreFor(key: SigningKey, retired: readonly VerifyingKey[], config: Config, now: () => Date): KeyStore {
  const { issuer, audience, accessTtlSeconds } = config.jwt;
  const header: jose.JWTHeaderParameters = { alg: key.algorithm, typ: ACCESS_TOKEN_TYPE, ...(key.kid ? { kid: key.kid } : {}) };
  const verifyOptions: jose.JWTVerifyOptions = {
    issuer,
    audience,
    typ: ACCESS_TOKEN_TYPE,
    requiredClaims: ["sub", "exp", "iat"],
  };
  const trusted = [key, ...retired];
  // An asymmetric key is found by its kid; HS256 secrets have none (the header stays {alg, typ}) and are tried in turn.
  const byKid = new Map(trusted.filter((k) => k.kid !== undefined).map((k) => [k.kid as string, k]));
  const secrets = trusted.filter((k) => k.kid === undefined);
  const candidates = (token: string): readonly VerifyingKey[] => {
    const { kid, alg } = jose.decodeProtectedHeader(token);
    const found = kid === undefined ? secrets : typeof kid === "string" ? [byKid.get(kid)].filter((k) => k !== undefined) : [];
    return found.filter((k) => k.algorithm === alg);
  };
  const publicJwks = [...byKid.values()].map((k) => k.publicJwk).filter((jwk) => jwk !== null);

  // A signature check costs ~100µs; a token seen before only needs its expiry checked again. The cache lives and
  // dies with this store's keys, so a key removed from the configuration takes its verified tokens with it.
  const verified = new Map<string, { principal: Principal; expiresAt: number }>();
  const remember = (token: string, principal: Principal, expiresAt: number) => {
    if (verified.size >= VERIFIED_CACHE_SIZE) verified.delete(verified.keys().next().value as string);
    verified.set(token, { principal, expiresAt });
  };
  const knownAccessToken = (token: string): Principal | undefined => {
    const known = verified.get(token);
    if (!known) return undefined;
    if (known.expiresAt > now().getTime()) return known.principal;
    verified.delete(token);
    return undefined;
  };
  const verifyWithTrustedKeys = async (token: string, currentDate: Date): Promise<jose.JWTPayload> => {
    for (const candidate of candidates(token)) {
      try {
        const { payload } = await jose.jwtVerify(token, candidate.publicKey, {
          ...verifyOptions,
          algorithms: [candidate.algorithm],
          currentDate,
        });
        return payload;
      } catch (error) {
        // Another secret may have signed it; any other failure (expired, wrong claims) is final.
        if (!(error instanceof jose.errors.JWSSignatureVerificationFailed)) throw error;
      }
    }
    throw new jose.errors.JWSSignatureVerificationFailed();
  };
  return {
    algorithm: key.algorithm,
    jwks: publicJwks.length > 0 ? { keys: publicJwks } : null,
    async signAccessToken(subject, claims, expiresIn = accessTtlSeconds) {
      const issuedAt = Math.floor(now().getTime() / 1000);
      const jti = randomUUID();
      const token = await new jose.SignJWT(claims)
        .setProtectedHeader(header)
        .setIssuer(issuer)
        .setAudience(audience)
        .setSubject(subject)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + expiresIn)
        .setJti(jti)
        .sign(key.privateKey);
      return { token, jti, expires_in: expiresIn };
    },
    knownAccessToken,
    async verifyAccessToken(token) {
      const currentDate = now();
      const known = knownAccessToken(token);
      if (known) return known;
      try {
        const payload = await verifyWithTrustedKeys(token, currentDate);
        // jose requires `sub` but not that it is text; every user id downstream is.
        if (typeof payload.sub !== "string" || payload.sub === "") throw new Error("sub is not a string");
        const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === "string") : [];
        const principal: Principal = Object.freeze({ ...payload, sub: payload.sub as string, roles: Object.freeze(roles) });
        remember(token, principal, (payload.exp ?? 0) * 1000);
        return principal;
      } catch (error) {
        const expired = error instanceof jose.errors.JWTExpired;
        throw new UnauthorizedError(expired ? "The access token has expired" : "The access token is not valid", "invalid_token");
      }
    },
  };
}

async function hmacKey(secret: Uint8Array): Promise<SigningKey> {
  const cryptoKey = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
  return { algorithm: "HS256", privateKey: cryptoKey, publicKey: cryptoKey, publicJwk: null, kid: undefined };
}

/** A configured secret as bytes: one shorter than 32 bytes stops a production start, and is warned of otherwise. */
function checkedSecret(secret: string, variable: string, config: Config, warn: (message: string) => void): Uint8Array {
  const bytes = new TextEncoder().encode(secret);
  if (bytes.length < MIN_SECRET_BYTES) {
    if (config.production) throw new Error(`${variable} must be at least ${MIN_SECRET_BYTES} bytes in production`);
    warn(`${variable} is shorter than ${MIN_SECRET_BYTES} bytes; use a longer one before going to production`);
  }
  return bytes;
}

/** JWT_SECRET, or one generated once and kept in DATA_DIR — never in production. */
function resolveSecret(config: Config, warn: (message: string) => void): Uint8Array {
  const given = config.jwt.secret;
  if (given !== undefined) return checkedSecret(given, "JWT_SECRET", config, warn);
  if (config.production) throw new Error("JWT_SECRET (at least 32 bytes) or JWT_PRIVATE_KEY is required in production");
  const file = path.join(config.dataDir, SECRET_FILE);
  try {
    return new TextEncoder().encode(fs.readFileSync(file, "utf8").trim());
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const secret = randomBytes(48).toString("base64url");
  fs.mkdirSync(config.dataDir, { recursive: true });
  // "wx" so two instances starting at once cannot overwrite each other's secret.
  try {
    fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return new TextEncoder().encode(fs.readFileSync(file, "utf8").trim());
  }
  return new TextEncoder().encode(secret);
}
