import type { Config } from "../config.ts";
import { commonPasswords } from "./common-passwords.ts";
import { normalizeEmail } from "./normalize-email.ts";

export type PasswordPolicy = Config["password"];

/**
 * Why `password` may not be a new password, as a validation message about
 * its field, or undefined when it may. Lengths are in UTF-8 bytes, as
 * bcrypt reads them (it ignores what lies past 72).
 */
export async function passwordProblem(password: string, policy: PasswordPolicy, email?: string): Promise<string | undefined> {
  const bytes = Buffer.byteLength(password, "utf8");
  if (bytes < policy.minBytes) return `must be at least ${policy.minBytes} bytes (UTF-8)`;
  if (bytes > policy.maxBytes) return `must be at most ${policy.maxBytes} bytes (UTF-8)`;
  if (email && normalizeEmail(password) === normalizeEmail(email)) return "must not be the account's email address";
  if (policy.refuseCommon && (await commonPasswords()).has(password.toLowerCase())) {
    return "is one of the most common passwords; choose one that is harder to guess";
  }
  return undefined;
}
