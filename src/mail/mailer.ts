import { sql } from "kysely";
import type { Db } from "../db/schema.ts";
import type { Logger } from "../logger.ts";
import type { Deliver, MailMessage } from "./deliver.ts";

const BATCH = 20;
/** A claimed message is someone's for this long; if its sender dies, another instance takes it after. */
const LEASE_SECONDS = 120;
const POLL_MS = 5_000;
const MAX_BACKOFF_SECONDS = 3600;

/**
 * Delivers the `outbox` table. Rows are written in the request's
 * transaction, so a rolled-back request sends nothing; a mail server that is
 * down delays mail (retried with backoff), never loses it. Several instances
 * may run it at once: each claims rows with `for update skip locked`.
 */
export interface Mailer {
  /** Sends what is due now; resolves with how many were accepted. */
  deliverDue(): Promise<number>;
  /** Starts a delivery soon, without waiting for it (called after a commit that queued mail). */
  kick(): void;
  /** Resolves once no delivery is running. */
  idle(): Promise<void>;
  start(): void;
  stop(): Promise<void>;
}

export interface MailerOptions {
  readonly db: Db;
  readonly deliver: Deliver;
  readonly logger: Logger;
  readonly now: () => Date;
}

/** Seconds to wait after the n-th failed attempt: 10s, 20s, 40s … at most an hour. */
export const backoffSeconds = (attempts: number): number => Math.min(MAX_BACKOFF_SECONDS, 5 * 2 ** Math.max(1, attempts));

export function createMailer({ db, deliver, logger, now }: MailerOptions): Mailer {
  let running: Promise<number> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  const claim = async (): Promise<(MailMessage & { attempts: number })[]> => {
    const at = now();
    const leaseUntil = new Date(at.getTime() + LEASE_SECONDS * 1000);
    const { rows } = await sql<MailMessage & { attempts: number }>`
      update outbox set attempts = attempts + 1, next_attempt_at = ${leaseUntil}
      where id in (
        select id from outbox where sent_at is null and next_attempt_at <= ${at}
        order by id limit ${BATCH} for update skip locked
      )
      returning id, "to", subject, text, html, attempts`.execute(db);
    return rows;
  };

  /** Sends one claimed batch; says whether the batch was full, so more may be waiting. */
  const deliverBatch = async (): Promise<{ sent: number; full: boolean }> => {
    let sent = 0;
    const batch = await claim();
    for (const message of batch) {
      try {
        await deliver(message);
        await db.updateTable("outbox").set({ sent_at: now(), last_error: null }).where("id", "=", message.id).execute();
        sent++;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        const retryAt = new Date(now().getTime() + backoffSeconds(message.attempts) * 1000);
        await db
          .updateTable("outbox")
          .set({ next_attempt_at: retryAt, last_error: reason.slice(0, 500) })
          .where("id", "=", message.id)
          .execute();
        logger.warn("mail delivery failed; will retry", {
          outbox_id: message.id,
          attempts: message.attempts,
          retry_at: retryAt.toISOString(),
          error: reason,
        });
      }
    }
    return { sent, full: batch.length === BATCH };
  };

  const deliverDue = (): Promise<number> => {
    again = true;
    running ??= (async () => {
      let total = 0;
      try {
        while (again) {
          again = false;
          const { sent, full } = await deliverBatch();
          total += sent;
          if (full) again = true;
        }
      } finally {
        // Cleared in the same tick as the last look at `again`, so no request for delivery falls between.
        running = undefined;
      }
      return total;
    })();
    return running;
  };

  const safely = () =>
    deliverDue().catch((error: unknown) => {
      logger.error("mail delivery loop failed", { error: error instanceof Error ? error.message : String(error) });
      return 0;
    });

  return {
    deliverDue,
    kick: () => void safely(),
    idle: async () => {
      while (running) await running.catch(() => 0);
    },
    start() {
      timer ??= setInterval(safely, POLL_MS);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      while (running) await running.catch(() => 0);
    },
  };
}
