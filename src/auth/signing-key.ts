import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import * as jose from "jose";

export interface SigningKey {
  readonly algorithm: string;
  readonly privateKey: jose.CryptoKey;
  readonly publicKey: jose.CryptoKey;
  readonly publicJwk: jose.JWK | null;
  readonly kid: string | undefined;
}

/**
 * JWT_PRIVATE_KEY (PEM) → pinned algorithm and CryptoKeys, imported once:
 * Ed25519 → EdDSA, P-256 → ES256, RSA ≥ 2048 bits → RS256. Anything else is refused.
 */
export async function loadSigningKey(pem: string): Promise<SigningKey> {
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey(pem.replace(/\\n/g, "\n"));
  } catch (error) {
    throw new Error("JWT_PRIVATE_KEY is not a readable PEM private key", { cause: error });
  }
  const algorithm = algorithmFor(keyObject);
  const pkcs8 = keyObject.export({ type: "pkcs8", format: "pem" }).toString();
  const spki = createPublicKey(keyObject).export({ type: "spki", format: "pem" }).toString();
  const privateKey = await jose.importPKCS8(pkcs8, algorithm);
  const publicKey = await jose.importSPKI(spki, algorithm, { extractable: true });
  const jwk = await jose.exportJWK(publicKey);
  const kid = await jose.calculateJwkThumbprint(jwk);
  return { algorithm, privateKey, publicKey, publicJwk: { ...jwk, kid, alg: algorithm, use: "sig" }, kid };
}

function algorithmFor(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case "ed25519":
      return "EdDSA";
    case "ec":
      if (details.namedCurve === "prime256v1") return "ES256";
      throw new Error(`JWT_PRIVATE_KEY: only the P-256 curve is supported, got ${details.namedCurve}`);
    case "rsa":
      if ((details.modulusLength ?? 0) >= 2048) return "RS256";
      throw new Error("JWT_PRIVATE_KEY: RSA keys must be at least 2048 bits");
    default:
      throw new Error(`JWT_PRIVATE_KEY: unsupported key type ${key.asymmetricKeyType}`);
  }
}
