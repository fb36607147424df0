/**
 * The baseline's login and refresh, statement for statement what the shipped
 * endpoints run as of commit f3e1710 (endpoints/auth/login.post.yaml:
 * authenticate, issue-refresh-token, sign-jwt, log; endpoints/auth/refresh.post.yaml:
 * rotate-refresh-token, find-user, sign-jwt, log). The login looks at the
 * lockout, reads the hash and compares it before its transaction, as
 * authenticate's prepare() does; everything else runs in one transaction.
 *
 * Differences that could not be avoided: none in SQL. trellis runs its steps
 * through its pipeline (scope, templates, option re-checks); that is the
 * overhead the bench measures. A stored hash of another cost is not re-hashed
 * (the bench's hashes are made at BCRYPT_COST, so trellis does not either),
 * and trellis's in-process turn-taking of attempts on one key
 * (attempts-in-flight.ts) is left out: each connection logs in its own user,
 * so it never makes anyone wait.
 */
import { randomUUID } from "node:crypto";
import { type Kysely, sql } from "kysely";
import type { Database } from "../../src/db/schema.ts";
import { HttpError } from "./http.ts";
import { hashToken, newOpaqueToken } from "./tokens.ts";

type Db = Kysely<Database>;
type Sign = (subject: string, claims: Record<string, unknown>) => Promise<{ token: string; expires_in: number }>;

const REFRESH_TTL_MS = 30 * 86_400_000;
const MAX_FAILURES = 5;
const WINDOW_S = 900;
const LOOKS_LIKE_EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: "Bearer";
  expires_in: number;
}

/** A failure whose writes are committed (a counted failed login, a detected reuse), as trellis's keepWrites. */
class KeptFailure {
  constructor(readonly error: HttpError) {}
}

async function inTransaction<T>(db: Db, work: (trx: Db) => Promise<T | KeptFailure>): Promise<T> {
  const outcome = await db.transaction().execute(work);
  if (outcome instanceof KeptFailure) throw outcome.error;
  return outcome;
}

async function issueRefreshToken(db: Db, userId: string, familyId: string | undefined, now: Date) {
  const token = newOpaqueToken();
  const family = familyId ?? randomUUID();
  await db
    .insertInto("refresh_tokens")
    .values({
      user_id: userId,
      family_id: family,
      token_hash: hashToken(token),
      expires_at: new Date(now.getTime() + REFRESH_TTL_MS),
      created_at: now,
    })
    .execute();
  return { token, family_id: family };
}

async function findUser(db: Db, id: string) {
  const user = await db
    .selectFrom("users")
    .where("id", "=", id)
    .select(["id", "email", "name", "confirmed_at", "created_at"])
    .executeTakeFirst();
  if (!user) return null;
  const confirmed = user.confirmed_at !== null;
  const roles = confirmed
    ? (await db.selectFrom("user_roles").select("role").where("user_id", "=", user.id).orderBy("role").execute()).map((row) => row.role)
    : [];
  return { ...user, roles, confirmed };
}

/** rate-limit-store's count: 429 with Retry-After once MAX_FAILURES failures are in the window. */
async function enforceLimit(db: Db, key: string, now: Date): Promise<void> {
  const hits = await db
    .selectFrom("rate_limit_hits")
    .select((eb) => [eb.fn.countAll<number>().as("hits"), eb.fn.min("at").as("oldest")])
    .where("key", "=", key)
    .where("at", ">", new Date(now.getTime() - WINDOW_S * 1000))
    .executeTakeFirst();
  if (Number(hits?.hits ?? 0) < MAX_FAILURES) return;
  const oldest = hits?.oldest ? new Date(hits.oldest as Date | string) : now;
  const retry = Math.max(1, Math.ceil((oldest.getTime() + WINDOW_S * 1000 - now.getTime()) / 1000));
  throw new HttpError(
    429,
    "too_many_requests",
    "Too many attempts; try again later",
    { retry_after_seconds: retry },
    { "Retry-After": String(retry) },
  );
}

async function writeLog(db: Db, event: string, user: string | null, ip: string | null, data: Record<string, unknown> = {}) {
  await db
    .insertInto("log")
    .values({ event, user_id: user, ip, data: JSON.stringify(data) })
    .execute();
}

export function createAccounts(db: Db, sign: Sign, compare: (password: string, hash: string) => Promise<boolean>, dummyHash: string) {
  const wrong = () => new HttpError(401, "invalid_credentials", "The email or password is wrong");
  const invalidRefresh = () => new HttpError(401, "invalid_refresh_token", "The refresh token is not valid");

  return {
    async login(email: string, password: string, ip: string | null): Promise<TokenPair> {
      const key = `login:${email}:${ip ?? "-"}`;
      // authenticate's prepare, on the plain database (no connection held while bcrypt runs):
      // a quick look at the lockout, the user's hash, the compare.
      await enforceLimit(db, key, new Date());
      const found = await db
        .selectFrom("users")
        .where((eb) => eb(eb.fn("lower", ["email"]), "=", email))
        .select(["id", "password_hash"])
        .executeTakeFirst();
      const ok =
        (found?.password_hash ? await compare(password, found.password_hash) : (await compare(password, dummyHash)) && false) &&
        found !== undefined;
      // authenticate's run and the steps after it, in the transaction the first of them begins.
      return inTransaction(db, async (trx) => {
        const now = new Date();
        // Counted again under the key's lock.
        await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(trx);
        await enforceLimit(trx, key, now);
        if (!ok || !found) {
          await trx.insertInto("rate_limit_hits").values({ key, at: now }).execute();
          await trx
            .deleteFrom("rate_limit_hits")
            .where("key", "=", key)
            .where("at", "<", new Date(now.getTime() - 86_400_000))
            .execute();
          await writeLog(trx, "login.failed", found?.id ?? null, ip, LOOKS_LIKE_EMAIL.test(email) ? { email } : {});
          return new KeptFailure(wrong());
        }
        await trx.deleteFrom("rate_limit_hits").where("key", "=", key).execute();
        const user = await findUser(trx, found.id);
        if (!user) throw wrong();
        const refresh = await issueRefreshToken(trx, user.id, undefined, now);
        const access = await sign(user.id, { email: user.email, roles: user.roles, sid: refresh.family_id });
        await writeLog(trx, "login", user.id, ip);
        return { access_token: access.token, refresh_token: refresh.token, token_type: "Bearer" as const, expires_in: access.expires_in };
      });
    },

    refresh: (token: string, ip: string | null): Promise<TokenPair> =>
      inTransaction(db, async (trx) => {
        const now = new Date();
        const hash = hashToken(token);
        const spent = await trx
          .updateTable("refresh_tokens")
          .set({ spent_at: now })
          .where("token_hash", "=", hash)
          .where("spent_at", "is", null)
          .where("revoked_at", "is", null)
          .where("expires_at", ">", now)
          .returning(["user_id", "family_id"])
          .executeTakeFirst();
        if (!spent) {
          const known = await trx
            .selectFrom("refresh_tokens")
            .select(["user_id", "family_id", "spent_at", "revoked_at"])
            .where("token_hash", "=", hash)
            .executeTakeFirst();
          if (known?.spent_at && !known.revoked_at) {
            await trx
              .updateTable("refresh_tokens")
              .set({ revoked_at: now })
              .where("family_id", "=", known.family_id)
              .where("revoked_at", "is", null)
              .executeTakeFirst();
            await writeLog(trx, "refresh.reuse", known.user_id, ip, { family_id: known.family_id });
            return new KeptFailure(invalidRefresh());
          }
          throw invalidRefresh();
        }
        const next = await issueRefreshToken(trx, spent.user_id, spent.family_id, now);
        const user = await findUser(trx, spent.user_id);
        if (!user) throw new Error("a refresh token of a user that does not exist");
        const access = await sign(user.id, { email: user.email, roles: user.roles, sid: next.family_id });
        await writeLog(trx, "refresh", user.id, ip);
        return { access_token: access.token, refresh_token: next.token, token_type: "Bearer" as const, expires_in: access.expires_in };
      }),
  };
}
