import { type Expression, type SqlBool, sql } from "kysely";
import type { Logger } from "../logger.ts";
import type { Db } from "./schema.ts";

/** LOG_RETENTION and OUTBOX_RETENTION, in seconds. */
export interface RetentionPolicy {
  readonly logSeconds: number;
  readonly outboxSeconds: number;
}

/** Rows deleted per statement: on the embedded database one connection serves every request, so no purge holds it long. */
const BATCH = 5000;
/** Spent, expired or replaced one-time tokens and dead logins are kept a day, for a support question about them. */
const TOKEN_GRACE_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface PurgeCounts {
  log: number;
  outbox: number;
  one_time_tokens: number;
  refresh_tokens: number;
}

type PurgedTable = keyof PurgeCounts;

/**
 * Deletes, in batches, the rows of `table` that `old` picks, and says how
 * many. Idempotent: several instances may purge at once, each deletes what
 * the others have not.
 */
async function purge(db: Db, table: PurgedTable, old: Expression<SqlBool>): Promise<number> {
  let total = 0;
  for (;;) {
    const result = await sql`delete from ${sql.table(table)} where id in (
      select id from ${sql.table(table)} where ${old} limit ${BATCH})`.execute(db);
    const deleted = Number(result.numAffectedRows ?? 0);
    total += deleted;
    if (deleted < BATCH) return total;
  }
}

/**
 * Deletes what is kept no longer: log entries older than LOG_RETENTION;
 * delivered mail older than OUTBOX_RETENTION (its text is gone already);
 * mail marked failed once it is older than LOG_RETENTION (until then an
 * admin may retry it); one-time tokens a day after they were used or
 * expired; and a login's refresh tokens a day after its last one expired.
 * A live login keeps its spent tokens, so presenting one again still
 * revokes the login. Pending mail is never purged: the mailer ends it.
 */
export async function purgeExpired(db: Db, now: Date, policy: RetentionPolicy): Promise<PurgeCounts> {
  const before = (seconds: number) => new Date(now.getTime() - seconds * 1000);
  const logCutoff = before(policy.logSeconds);
  const sentCutoff = before(policy.outboxSeconds);
  const tokenCutoff = new Date(now.getTime() - TOKEN_GRACE_MS);
  return {
    log: await purge(db, "log", sql`at < ${logCutoff}`),
    outbox: await purge(db, "outbox", sql`sent_at < ${sentCutoff} or (sent_at is null and failed_at < ${logCutoff})`),
    one_time_tokens: await purge(db, "one_time_tokens", sql`expires_at < ${tokenCutoff} or consumed_at < ${tokenCutoff}`),
    refresh_tokens: await purge(
      db,
      "refresh_tokens",
      sql`expires_at < ${tokenCutoff} and not exists (
        select 1 from refresh_tokens live where live.family_id = refresh_tokens.family_id and live.expires_at >= ${tokenCutoff})`,
    ),
  };
}

export interface Retention {
  /** Resolves once no purge is running. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export interface RetentionOptions {
  readonly db: Db;
  readonly now: () => Date;
  readonly logger: Logger;
  readonly policy: RetentionPolicy;
  /** Other housekeeping of the same schedule, such as forgetting old rate-limit hits. */
  readonly alsoPrune?: readonly ((db: Db, now: Date) => Promise<unknown>)[];
  readonly intervalMs?: number;
}

/** Purges once now and then every hour (an unref'd timer: it never keeps the process alive). */
export function startRetention({ db, now, logger, policy, alsoPrune = [], intervalMs = HOUR_MS }: RetentionOptions): Retention {
  let running: Promise<void> | undefined;
  const run = () => {
    running ??= (async () => {
      try {
        const at = now();
        const counts = await purgeExpired(db, at, policy);
        for (const prune of alsoPrune) await prune(db, at);
        if (Object.values(counts).some((count) => count > 0)) logger.info("purged old rows", { ...counts });
      } catch (error) {
        logger.warn("purging old rows failed; will try again", { error: error instanceof Error ? error.message : String(error) });
      } finally {
        running = undefined;
      }
    })();
  };
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  const idle = async () => {
    while (running) await running;
  };
  return {
    idle,
    async stop() {
      clearInterval(timer);
      await idle();
    },
  };
}
