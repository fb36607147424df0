import { randomBytes } from "node:crypto";
import { hashToken } from "./opaque-token.ts";

/** Crockford's base32: no I, L, O or U to misread when typed from paper. */
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/** 16 characters of 5 bits: 80 random bits, far beyond guessing, so a plain SHA-256 is a safe way to store one. */
const LENGTH = 16;

/** A new recovery code, grouped for reading: `7K3M-Q9TD-2XWA-HB6E`. */
export function newRecoveryCode(): string {
  const bytes = randomBytes(LENGTH);
  const chars = [...bytes].map((byte) => ALPHABET[byte % ALPHABET.length]).join("");
  return chars.match(/.{4}/g)?.join("-") ?? chars;
}

/** What is compared and stored: the code without dashes or spaces, in capitals. */
export const hashRecoveryCode = (code: string): string => hashToken(code.replace(/[\s-]/g, "").toUpperCase());
