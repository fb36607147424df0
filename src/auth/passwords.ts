import { randomBytes } from "node:crypto";
import { BcryptBusyError, bcryptCompare, bcryptCostOf, bcryptHash } from "./bcrypt-pool.ts";

const dummyHashes = new Map<number, string>();
const BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export const hashPassword = (password: string, cost: number): Promise<string> => bcryptHash(password, cost);

/**
 * A well-formed bcrypt hash of the given cost that no password matches: a
 * compare against it costs what one against a real hash does, and making it
 * costs nothing (no hashing at start, no worker started before a login).
 */
function dummyHash(cost: number): string {
  let hash = dummyHashes.get(cost);
  if (!hash) {
    const chars = Array.from(randomBytes(53), (byte) => BCRYPT_ALPHABET[byte % 64]).join("");
    hash = `$2b$${String(cost).padStart(2, "0")}$${chars}`;
    dummyHashes.set(cost, hash);
  }
  return hash;
}

/**
 * Compares against the stored hash, or against a fixed hash of the same
 * cost when there is none, so an unknown email costs as long as a wrong password.
 */
export async function verifyPassword(password: string, hash: string | null | undefined, cost: number): Promise<boolean> {
  if (hash) return bcryptCompare(password, hash);
  await bcryptCompare(password, dummyHash(cost));
  return false;
}

/**
 * After a successful compare: the password hashed anew at `cost` when the
 * stored hash was made at another (BCRYPT_COST changed), else undefined. A
 * busy pool skips it this time rather than fail the login.
 */
export async function rehashIfNeeded(password: string, hash: string, cost: number): Promise<string | undefined> {
  if (bcryptCostOf(hash) === cost) return undefined;
  try {
    return await bcryptHash(password, cost);
  } catch (error) {
    if (error instanceof BcryptBusyError) return undefined;
    throw error;
  }
}
