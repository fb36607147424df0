import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Config } from "../config.ts";
import { TrellisError } from "../errors.ts";

const KEY_FILE = "encryption-key";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const VERSION = "v1";

/**
 * Seals short secrets for storage (AES-256-GCM, key from ENCRYPTION_KEY).
 * `context` names what the secret belongs to (e.g. `totp:<user id>`) and is
 * authenticated with it, so a sealed value copied to another row does not open.
 */
export interface SecretBox {
  seal(plain: string, context: string): string;
  /** Throws when the value was not sealed by this key for this context. */
  open(sealed: string, context: string): string;
}

export interface SecretBoxOptions {
  /** Resolve the key now (a production start without ENCRYPTION_KEY then fails), rather than on first use. */
  readonly now?: boolean;
}

/**
 * ENCRYPTION_KEY, or outside production a key generated once and kept in
 * DATA_DIR, as with JWT_SECRET. A malformed ENCRYPTION_KEY always stops the start.
 */
export function createSecretBox(config: Config, options: SecretBoxOptions = {}): SecretBox {
  let key: Buffer | undefined = config.encryptionKey === undefined ? undefined : parseKey(config.encryptionKey);
  const resolved = (): Buffer => {
    key ??= generatedKey(config);
    return key;
  };
  if (options.now) resolved();
  return {
    seal(plain, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", resolved(), iv);
      cipher.setAAD(Buffer.from(context, "utf8"));
      const sealed = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return [VERSION, iv, sealed, cipher.getAuthTag()]
        .map((part) => (typeof part === "string" ? part : part.toString("base64url")))
        .join(".");
    },
    open(sealed, context) {
      const [version, iv, data, tag] = sealed.split(".");
      if (version !== VERSION || iv === undefined || data === undefined || tag === undefined) throw new Error("not a sealed secret");
      const decipher = createDecipheriv("aes-256-gcm", resolved(), Buffer.from(iv, "base64url"));
      decipher.setAAD(Buffer.from(context, "utf8"));
      decipher.setAuthTag(Buffer.from(tag, "base64url"));
      return Buffer.concat([decipher.update(Buffer.from(data, "base64url")), decipher.final()]).toString("utf8");
    },
  };
}

/** What a request that needs the key gets in production without one: the server is not set up for it (503), and the log says why. */
export function keyMissing(): TrellisError {
  return new TrellisError(
    503,
    "encryption_key_missing",
    "Two-factor sign-in is not available on this server yet: it needs ENCRYPTION_KEY (32 bytes, base64 or hex) in production",
  );
}

/** 64 hex digits, or base64 (either alphabet) of exactly 32 bytes. */
export function parseKey(text: string): Buffer {
  const trimmed = text.trim();
  const bytes = /^[0-9a-f]{64}$/i.test(trimmed)
    ? Buffer.from(trimmed, "hex")
    : /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)
      ? Buffer.from(trimmed, "base64")
      : undefined;
  if (bytes?.length !== KEY_BYTES) {
    throw new Error(`ENCRYPTION_KEY must be ${KEY_BYTES} bytes, written as 64 hex digits or in base64 (e.g. openssl rand -base64 32)`);
  }
  return bytes;
}

function generatedKey(config: Config): Buffer {
  // A key generated in production would live only as long as DATA_DIR, and every secret sealed with it would go with it.
  if (config.production) throw keyMissing();
  const file = path.join(config.dataDir, KEY_FILE);
  const read = () => parseKey(fs.readFileSync(file, "utf8"));
  try {
    return read();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const key = randomBytes(KEY_BYTES);
  fs.mkdirSync(config.dataDir, { recursive: true });
  // "wx" so two instances starting at once cannot overwrite each other's key.
  try {
    fs.writeFileSync(file, `${key.toString("base64")}\n`, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    return read();
  }
  return key;
}
