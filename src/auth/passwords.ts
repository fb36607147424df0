import { BcryptBusyError, bcryptCompare, bcryptCostOf, bcryptHash } from "./bcrypt-pool.ts";

const dummyHashes = new Map<number, string>();

export const hashPassword = (password: string, cost: number): Promise<string> => bcryptHash(password, cost);

/** Computes the fixed hash at start, so the first unknown-email login costs what every later one does. */
export async function prepareDummyHash(cost: number): Promise<void> {
  if (!dummyHashes.has(cost)) dummyHashes.set(cost, await bcryptHash("trellis-dummy-password", cost));
}

/**
 * Compares against the stored hash, or against a fixed hash of the same
 * cost when there is none, so an unknown email costs as long as a wrong password.
 */
export async function verifyPassword(password: string, hash: string | null | undefined, cost: number): Promise<boolean> {
  if (hash) return bcryptCompare(password, hash);
  await prepareDummyHash(cost);
  await bcryptCompare(password, dummyHashes.get(cost) ?? "");
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
