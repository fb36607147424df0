import { sql } from "kysely";
import type { Db, Tx } from "../db/schema.ts";

export type RetryResult =
  | { readonly outcome: "retried"; readonly id: number; readonly next_attempt_at: Date }
  | { readonly outcome: "not_found" | "already_sent" | "being_sent" };

interface OutboxState {
  id: number;
  attempts: number;
  sent_at: Date | null;
  failed_at: Date | null;
  last_error: string | null;
  next_attempt_at: Date;
}

/**
 * A sender holds the message: the mailer's claim counted a try, cleared
 * last_error and set next_attempt_at to the end of its lease. Making it due
 * now would let a second sender send it again.
 */
const isBeingSent = (row: OutboxState, now: Date): boolean =>
  row.sent_at === null && row.failed_at === null && row.attempts > 0 && row.last_error === null && new Date(row.next_attempt_at) > now;

/**
 * Makes a failed or pending message due now with its tries counted from zero
 * again, so the mailer's next run sends it. The row is locked first, so a
 * sender claiming it (`for update skip locked`) either finished its claim
 * before, and the answer is `being_sent`, or skips it until this commits.
 */
export async function retryMail(db: Db | Tx, id: number, now: Date): Promise<RetryResult> {
  const { rows } = await sql<OutboxState>`
    select id, attempts, sent_at, failed_at, last_error, next_attempt_at from outbox where id = ${id} for update`.execute(db);
  const row = rows[0];
  if (!row) return { outcome: "not_found" };
  if (row.sent_at !== null) return { outcome: "already_sent" };
  if (isBeingSent(row, now)) return { outcome: "being_sent" };
  await db.updateTable("outbox").set({ attempts: 0, failed_at: null, next_attempt_at: now }).where("id", "=", id).execute();
  return { outcome: "retried", id: Number(row.id), next_attempt_at: now };
}
