import bcrypt from "bcryptjs";

const dummyHashes = new Map<number, string>();

export const hashPassword = (password: string, cost: number): Promise<string> => bcrypt.hash(password, cost);

/**
 * Compares against the stored hash, or against a fixed hash of the same
 * cost when there is none, so an unknown email costs as long as a wrong password.
 */
export async function verifyPassword(password: string, hash: string | null | undefined, cost: number): Promise<boolean> {
  if (hash) return bcrypt.compare(password, hash);
  let dummy = dummyHashes.get(cost);
  if (!dummy) {
    dummy = await bcrypt.hash("trellis-dummy-password", cost);
    dummyHashes.set(cost, dummy);
  }
  await bcrypt.compare(password, dummy);
  return false;
}
