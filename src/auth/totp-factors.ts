import { sql } from "kysely";
import type { Db, Tx } from "../db/schema.ts";
import { writeLog } from "../db/write-log.ts";
import { TrellisError } from "../errors.ts";
import { UUID } from "./find-user.ts";
import { clearHits, enforceLimit, recordHit } from "./rate-limit-store.ts";
import { hashRecoveryCode, newRecoveryCode } from "./recovery-codes.ts";
import type { SecretBox } from "./secret-box.ts";

/** The row of a user's authenticator app, with its secret opened. */
export interface TotpFactor {
  readonly secret: string;
  /** The secret as stored: confirming checks the row still holds it, so an enrolment meanwhile is not turned on unseen. */
  readonly sealed: string;
  readonly confirmed: boolean;
}

/** What the secret is sealed for: a sealed secret moved to another user's row does not open. */
export const sealContext = (userId: string): string => `totp:${userId}`;

async function readFactor(db: Db | Tx, secrets: SecretBox, userId: string): Promise<TotpFactor | undefined> {
  const row = await db
    .selectFrom("totp_factors")
    .select(["secret_sealed", "confirmed_at"])
    .where("user_id", "=", userId)
    .executeTakeFirst();
  if (!row) return undefined;
  let secret: string;
  try {
    secret = secrets.open(row.secret_sealed, sealContext(userId));
  } catch (error) {
    if (error instanceof TrellisError) throw error;
    // A fault (500) whose logged cause says what to do; the client learns nothing of it.
    throw new Error(
      `the TOTP secret of user ${userId} does not open with ENCRYPTION_KEY: was the key changed? An admin can reset the user`,
      {
        cause: error,
      },
    );
  }
  return {
    secret,
    sealed: row.secret_sealed,
    confirmed: row.confirmed_at !== null,
  };
}

/**
 * Marks `step` used, unless it or a later one was used already: the one
 * statement decides, so two requests with the same code cannot both pass.
 */
export async function spendStep(
  db: Db | Tx,
  userId: string,
  step: number,
  confirm?: { readonly at: Date; readonly sealed: string },
): Promise<boolean> {
  let update = db
    .updateTable("totp_factors")
    .set({ last_used_step: step, ...(confirm ? { confirmed_at: confirm.at } : {}) })
    .where("user_id", "=", userId)
    .where(sql<boolean>`(last_used_step is null or last_used_step < ${step})`);
  // Only the secret the code was checked against, and only once: a second confirm or a new enrolment meanwhile loses.
  if (confirm) update = update.where("secret_sealed", "=", confirm.sealed).where("confirmed_at", "is", null);
  const result = await update.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Spends an unused recovery code of the user; false when there is none such. */
export async function spendRecoveryCode(db: Db | Tx, userId: string, code: string, now: Date): Promise<boolean> {
  const row = await db
    .updateTable("totp_recovery_codes")
    .set({ used_at: now })
    .where("user_id", "=", userId)
    .where("code_hash", "=", hashRecoveryCode(code))
    .where("used_at", "is", null)
    .returning("id")
    .executeTakeFirst();
  return row !== undefined;
}

export async function unusedRecoveryCodes(db: Db | Tx, userId: string): Promise<number> {
  const row = await db
    .selectFrom("totp_recovery_codes")
    .select((eb) => eb.fn.countAll<number>().as("left"))
    .where("user_id", "=", userId)
    .where("used_at", "is", null)
    .executeTakeFirst();
  return Number(row?.left ?? 0);
}

/** Replaces the user's recovery codes with `count` new ones, returned once and stored only hashed. */
export async function replaceRecoveryCodes(db: Db | Tx, userId: string, count: number, now: Date): Promise<string[]> {
  await db.deleteFrom("totp_recovery_codes").where("user_id", "=", userId).execute();
  const codes = Array.from({ length: count }, newRecoveryCode);
  await db
    .insertInto("totp_recovery_codes")
    .values(codes.map((code) => ({ user_id: userId, code_hash: hashRecoveryCode(code), created_at: now })))
    .execute();
  return codes;
}

/** How many wrong codes a user may send in how long, before every code is refused for a while. */
export interface CodeThrottle {
  readonly limit: number;
  readonly windowSeconds: number;
}

const throttleKey = (userId: string) => `totp:${userId}`;

/**
 * The user's app, once their wrong codes are under the limit (429 past it);
 * undefined for an id that is not a user's or a user without an app. The
 * failures are counted per user, not per client: a 6-digit code falls to a
 * million guesses, so guessers spread over many addresses must share one
 * count. Call first; it holds the count's lock until the transaction ends.
 */
export async function factorWithinThrottle(
  db: Db | Tx,
  secrets: SecretBox,
  userId: string,
  throttle: CodeThrottle,
  now: Date,
): Promise<TotpFactor | undefined> {
  if (!UUID.test(userId)) return undefined;
  await enforceLimit(db, throttleKey(userId), throttle.limit, throttle.windowSeconds, now);
  return readFactor(db, secrets, userId);
}

export async function forgetFailures(db: Db | Tx, userId: string): Promise<void> {
  await clearHits(db, throttleKey(userId));
}

/** Counts a wrong code and returns the 401 to throw: keepWrites, so the count survives the request's rollback. */
export async function wrongCode(db: Db | Tx, userId: string, throttle: CodeThrottle, now: Date, ip: string | null): Promise<TrellisError> {
  await recordHit(db, throttleKey(userId), throttle.windowSeconds, now);
  await writeLog(db, { event: "totp.failed", user: userId, ip });
  return new TrellisError(401, "invalid_code", "The code is not valid: it may be mistyped, expired or used already", undefined, {
    keepWrites: true,
  });
}
