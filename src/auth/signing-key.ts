import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import * as jose from "jose";

/** A key that checks signatures: the signing key, or one retired but still trusted. */
export interface VerifyingKey {
  readonly algorithm: string;
  readonly publicKey: jose.CryptoKey;
  /** The public key as published in JWKS; null for an HS256 secret. */
  readonly publicJwk: jose.JWK | null;
  /** The JWK thumbprint, set in the header of every token it signs; undefined for an HS256 secret. */
  readonly kid: string | undefined;
}

export interface SigningKey extends VerifyingKey {
  readonly privateKey: jose.CryptoKey;
}

/**
 * JWT_PRIVATE_KEY (PEM) → pinned algorithm and CryptoKeys, imported once:
 * Ed25519 → EdDSA, P-256 → ES256, RSA ≥ 2048 bits → RS256. Anything else is refused.
 */
export async function loadSigningKey(pem: string, variable = "JWT_PRIVATE_KEY"): Promise<SigningKey> {
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(pem.replace(/\\n/g, "\n"));
  } catch (error) {
    throw new Error(`${variable} is not a readable PEM private key`, { cause: error });
  }
  const algorithm = algorithmFor(keyObject, variable);
  const pkcs8 = keyObject.export({ type: "pkcs8", format: "pem" }).toString();
  const privateKey = await jose.importPKCS8(pkcs8, algorithm);
  return { ...(await verifyingKey(createPublicKey(keyObject), algorithm)), privateKey };
}

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----/g;

/**
 * JWT_PREVIOUS_KEYS: PEM blocks one after the other, each a private or a
 * public key of the kinds JWT_PRIVATE_KEY takes. Only the public half is
 * kept: a retired key verifies the tokens it signed until they expire, and never signs.
 */
export async function loadVerifyingKeys(pems: string | undefined, variable = "JWT_PREVIOUS_KEYS"): Promise<VerifyingKey[]> {
  if (!pems) return [];
  const blocks = pems.replace(/\\n/g, "\n").match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new Error(`${variable} holds no PEM key`);
  return Promise.all(
    blocks.map((block, index) => {
      let keyObject: KeyObject;
      try {
        keyObject = createPublicKey(block);
      } catch (error) {
        throw new Error(`${variable}: key ${index + 1} is not a readable PEM key`, { cause: error });
      }
      return verifyingKey(keyObject, algorithmFor(keyObject, `${variable} (key ${index + 1})`));
    }),
  );
}

async function verifyingKey(publicKeyObject: KeyObject, algorithm: string): Promise<VerifyingKey> {
  const spki = publicKeyObject.export({ type: "spki", format: "pem" }).toString();
  const publicKey = await jose.importSPKI(spki, algorithm, { extractable: true });
  const jwk = await jose.exportJWK(publicKey);
  const kid = await jose.calculateJwkThumbprint(jwk);
  return { algorithm, publicKey, publicJwk: { ...jwk, kid, alg: algorithm, use: "sig" }, kid };
}

function algorithmFor(key: KeyObject, variable: string): string {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case "ed25519":
      return "EdDSA";
    case "ec":
      if (details.namedCurve === "prime256v1") return "ES256";
      throw new Error(`${variable}: only the P-256 curve is supported, got ${details.namedCurve}`);
    case "rsa":
      if ((details.modulusLength ?? 0) >= 2048) return "RS256";
      throw new Error(`${variable}: RSA keys must be at least 2048 bits`);
    default:
      throw new Error(`${variable}: unsupported key type ${key.asymmetricKeyType}`);
  }
}
