import { sql } from "kysely";
import type { Db } from "../db/schema.ts";
import type { Logger } from "../logger.ts";
import { type Deliver, type MailMessage, MailRefused } from "./deliver.ts";

/** Messages sent in one go before checking `again`. */
const BATCH = 20;
/**
 * A claimed message is someone's for at least this long; if its sender dies,
 * another instance takes it after. Longer with a long SMTP_TIMEOUT: one
 * delivery waits on about ten replies, and a lease that ran out behind a slow
 * server would let another instance send the message again.
 */
const MIN_LEASE_SECONDS = 120;
const REPLIES_PER_DELIVERY = 10;
const POLL_MS = 5_000;
const MAX_BACKOFF_SECONDS = 3600;

/**
 * Delivers the `outbox` table. Rows are written in the request's
 * transaction, so a rolled-back request sends nothing; a mail server that is
 * down delays mail (retried with backoff), never loses it. Several instances
 * may run it at once: each claims one row at a time with `for update skip
 * locked` and a lease. A delivered message's text is cleared: it held links.
 * A message the server refuses for good (MailRefused), or that failed
 * `maxAttempts` times, is marked failed (`failed_at`) and left for an admin.
 */
export interface Mailer {
  /** Sends what is due now; resolves with how many were accepted. */
  deliverDue(): Promise<number>;
  /**
   * Called after a commit that queued mail. A local delivery (the development
   * outbox) is awaited, so the mail is there when the client looks; a remote
   * one starts at once without holding up the answer.
   */
  queued(): Promise<void>;
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
  /** Delivery is a local file write, quick enough to await before answering. */
  readonly local: boolean;
  /** Failed tries after which a message is marked failed (MAIL_MAX_ATTEMPTS); 20 by default. */
  readonly maxAttempts?: number;
  /** SMTP_TIMEOUT, which sets how long a claim lasts; 30 s by default. */
  readonly timeoutSeconds?: number;
}

/** Seconds to wait after the n-th failed attempt: 10s, 20s, 40s … at most an hour. */
export const backoffSeconds = (attempts: number): number => Math.min(MAX_BACKOFF_SECONDS, 5 * 2 ** Math.max(1, attempts));

/** How long a claim lasts, given the mail server's timeout. */
export const leaseSeconds = (timeoutSeconds: number): number => Math.max(MIN_LEASE_SECONDS, REPLIES_PER_DELIVERY * timeoutSeconds);

export function createMailer({ db, deliver, logger, now, local, maxAttempts = 20, timeoutSeconds = 30 }: MailerOptions): Mailer {
  const lease = leaseSeconds(timeoutSeconds);
  let running: Promise<number> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  /**
   * Takes the next due message for the lease: one at a time, so a lease never
   * runs out behind a slow batch. While a sender holds it, its last_error is
   * empty (see isBeingSent in ./retry.ts).
   */
  const claimOne = async (): Promise<(MailMessage & { attempts: number; lease: Date }) | undefined> => {
    const at = now();
    const leaseEnd = new Date(at.getTime() + lease * 1000);
    const { rows } = await sql<MailMessage & { attempts: number }>`
      update outbox set attempts = attempts + 1, next_attempt_at = ${leaseEnd}, last_error = null
      where id = (
        select id from outbox where sent_at is null and failed_at is null and next_attempt_at <= ${at}
        order by id limit 1 for update skip locked
      )
      returning id, "to", subject, text, html, attempts`.execute(db);
    return rows[0] ? { ...rows[0], lease: leaseEnd } : undefined;
  };

  /** Records a failure while the lease is still ours (another instance may have taken the message since); says whether it was. */
  const recordFailure = async (
    message: { id: number; lease: Date },
    set: { next_attempt_at?: Date; failed_at?: Date; last_error: string },
  ) => {
    const result = await db
      .updateTable("outbox")
      .set(set)
      .where("id", "=", message.id)
      .where("sent_at", "is", null)
      .where("next_attempt_at", "=", message.lease)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  };

  /** Sends one message if one is due; says whether there was one. */
  const deliverOne = async (): Promise<{ found: boolean; sent: boolean }> => {
    const message = await claimOne();
    if (!message) return { found: false, sent: false };
    try {
      await deliver(message);
    } catch (error) {
      const reason = (error instanceof Error ? error.message : String(error)).slice(0, 500);
      const refused = error instanceof MailRefused;
      if (refused || message.attempts >= maxAttempts) {
        // Logged once, with the id an admin finds it by; never the text, which holds sign-in links.
        if (await recordFailure(message, { failed_at: now(), last_error: reason })) {
          logger.error(
            refused ? "mail refused by the mail server; marked failed" : "mail not delivered; marked failed after its last try",
            {
              outbox_id: message.id,
              attempts: message.attempts,
              error: reason,
            },
          );
        }
        return { found: true, sent: false };
      }
      const retryAt = new Date(now().getTime() + backoffSeconds(message.attempts) * 1000);
      await recordFailure(message, { next_attempt_at: retryAt, last_error: reason });
      logger.warn("mail delivery failed; will retry", {
        outbox_id: message.id,
        attempts: message.attempts,
        retry_at: retryAt.toISOString(),
        error: reason,
      });
      return { found: true, sent: false };
    }
    // The text held single-use links: once delivered, it is not kept.
    await db.updateTable("outbox").set({ sent_at: now(), last_error: null, text: "", html: null }).where("id", "=", message.id).execute();
    return { found: true, sent: true };
  };

  const deliverDue = (): Promise<number> => {
    again = true;
    running ??= (async () => {
      let total = 0;
      try {
        while (again) {
          again = false;
          for (let count = 0; count < BATCH; count++) {
            const { found, sent } = await deliverOne();
            if (!found) break;
            if (sent) total++;
            // A full run may have left more due mail: look again.
            if (count === BATCH - 1) again = true;
          }
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
    async queued() {
      if (local) await safely();
      else void safely();
    },
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
