import { sql } from "kysely";
import type { Db, Tx } from "../db/schema.ts";
import { TrellisError } from "../errors.ts";

/** The hits of `key` in the window, and the oldest of them. */
export async function countHits(db: Db | Tx, key: string, windowSeconds: number, now: Date): Promise<{ hits: number; oldest: Date }> {
  const since = new Date(now.getTime() - windowSeconds * 1000);
  const row = await db
    .selectFrom("rate_limit_hits")
    .select((eb) => [eb.fn.countAll<number>().as("hits"), eb.fn.min("at").as("oldest")])
    .where("key", "=", key)
    .where("at", ">", since)
    .executeTakeFirst();
  return { hits: Number(row?.hits ?? 0), oldest: row?.oldest ? new Date(row.oldest as Date | string) : now };
}

/** 429 with Retry-After: when the oldest hit of the window leaves it. */
export function tooManyRequests(oldest: Date, windowSeconds: number, now: Date): TrellisError {
  const retryAfter = Math.max(1, Math.ceil((oldest.getTime() + windowSeconds * 1000 - now.getTime()) / 1000));
  return new TrellisError(
    429,
    "too_many_requests",
    "Too many attempts; try again later",
    { retry_after_seconds: retryAfter },
    { headers: { "Retry-After": String(retryAfter) } },
  );
}

/**
 * Counts the hits of `key` in the window and throws 429 with Retry-After once
 * `limit` is reached. Inside a transaction it first takes a lock on the key
 * until the transaction ends, so concurrent requests for one key are counted
 * one after the other and cannot all slip past the limit together.
 */
export async function enforceLimit(db: Db | Tx, key: string, limit: number, windowSeconds: number, now: Date): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(db);
  const { hits, oldest } = await countHits(db, key, windowSeconds, now);
  if (hits >= limit) throw tooManyRequests(oldest, windowSeconds, now);
}

/** What `takeHit` decided: counted, or refused with the oldest hit of the full window (for Retry-After). */
export type HitOutcome = { readonly counted: true } | { readonly counted: false; readonly oldest: Date };

/**
 * Counts one hit of `key` if fewer than `limit` are in the window, else
 * counts nothing: a call past the limit neither stretches the window nor
 * takes a later call's place. Under the key's lock like enforceLimit, so
 * parallel calls are judged one after the other. `db` should be a
 * transaction: the lock lasts until it ends.
 */
export async function takeHit(db: Db | Tx, key: string, limit: number, windowSeconds: number, now: Date): Promise<HitOutcome> {
  await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(db);
  const since = new Date(now.getTime() - windowSeconds * 1000);
  const expiresAt = new Date(now.getTime() + windowSeconds * 1000);
  // One statement (one round trip): count the window, insert when under the limit, forget this key's expired hits.
  const { rows } = await sql<{ hits: number | string; oldest: Date | string | null }>`
    with recent as (
      select count(*) as hits, min(at) as oldest from rate_limit_hits where key = ${key} and at > ${since}
    ), counted as (
      insert into rate_limit_hits (key, at, expires_at) select ${key}, ${now}, ${expiresAt} from recent where recent.hits < ${limit}
    ), forgotten as (
      delete from rate_limit_hits where key = ${key} and ${expired(now)}
    )
    select hits, oldest from recent`.execute(db);
  const row = rows[0];
  if (Number(row?.hits ?? 0) < limit) return { counted: true };
  return { counted: false, oldest: row?.oldest ? new Date(row.oldest) : now };
}

/** Records one hit, counted in a window of `windowSeconds`, and forgets this key's expired hits, so the table stays small. */
export async function recordHit(db: Db | Tx, key: string, windowSeconds: number, now: Date): Promise<void> {
  await db
    .insertInto("rate_limit_hits")
    .values({ key, at: now, expires_at: new Date(now.getTime() + windowSeconds * 1000) })
    .execute();
  await sql`delete from rate_limit_hits where key = ${key} and ${expired(now)}`.execute(db);
}

export async function clearHits(db: Db | Tx, key: string): Promise<void> {
  await db.deleteFrom("rate_limit_hits").where("key", "=", key).execute();
}

/** Forgets every hit whose window has ended: keys used once (a new address) are never pruned by a later hit. */
export async function pruneHits(db: Db, now: Date): Promise<void> {
  await sql`delete from rate_limit_hits where ${expired(now)}`.execute(db);
}

/** A hit past the end of its window; one from before migration 0004 lasted a day. */
const expired = (now: Date) => sql`coalesce(expires_at, at + interval '1 day') < ${now}`;
