import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PGliteDialect, PostgresDialect } from "kysely";
import pg from "pg";
import { lockDataDir } from "./data-dir-lock.ts";
import { guardedPool } from "./guarded-pool.ts";
import type { Database, Db } from "./schema.ts";

const INT8_OID = 20;
/**
 * PostgreSQL's page cache inside the embedded database: 16 MB rather than
 * 128 MB, which a WebAssembly instance would keep once filled. Plenty for the
 * apps one process serves; DATABASE_URL is for more.
 */
const EMBEDDED_START_PARAMS = [...PGlite.defaultStartParams, "-c", "shared_buffers=16MB"];

export interface DatabaseOptions {
  /** `postgres://…`; unset → embedded PGlite. */
  readonly url?: string | undefined;
  /** Folder for the embedded database; unset → in memory (tests). */
  readonly dataDir?: string | undefined;
  /**
   * PostgreSQL only (DATABASE_TIMEOUT): the longest to wait for a connection
   * and for the answer to one statement, which the server also cancels then.
   * Migrations are not bound by it.
   */
  readonly timeoutMs?: number | undefined;
}

/** Runs SQL on the held connection: without params a whole script (several statements), with params one statement. */
export type ScriptRunner = (sql: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

export interface DatabaseHandle {
  readonly db: Db;
  readonly kind: "pglite" | "postgres";
  /**
   * Runs `work` on one connection while holding a lock that every instance
   * of the app shares (an advisory lock on PostgreSQL): for migrations.
   */
  exclusive<T>(work: (run: ScriptRunner) => Promise<T>): Promise<T>;
  /** Resolves when the database answers a trivial query; for /healthz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Any 64-bit number unlikely to be used by another tool for pg_advisory_lock. */
const MIGRATION_LOCK = 7_269_751_201;
const DEFAULT_TIMEOUT_MS = 5000;

const parseTypes = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format ?? "text")) as typeof pg.types.getTypeParser,
};

/**
 * One kysely instance over PGlite or a pg pool. Counts and bigint ids come
 * back as numbers on both, so JSON responses look the same on either.
 */
export function createDatabase(options: DatabaseOptions): DatabaseHandle {
  if (options.url) {
    const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const connection = { connectionString: options.url, application_name: "trellis", connectionTimeoutMillis: timeout, types: parseTypes };
    const pool = new pg.Pool({
      ...connection,
      max: 10,
      // A server that goes silent (a cut network) answers nothing: pg gives up on the statement itself,
      // and PostgreSQL cancels one that runs too long, freeing its locks. Both are sent at connect: no round trip.
      query_timeout: timeout,
      statement_timeout: timeout,
      keepAlive: true,
    });
    // An idle client that loses its server must not crash the process.
    pool.on("error", () => {});
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: guardedPool(pool) }) });
    return {
      db,
      kind: "postgres",
      async exclusive(work) {
        // A connection of its own, outside the pool's timeouts: a migration may take long, and so may
        // waiting for another instance's.
        const client = new pg.Client(connection);
        client.on("error", () => {});
        await client.connect();
        try {
          await client.query("select pg_advisory_lock($1)", [MIGRATION_LOCK]);
          try {
            // No params: pg uses the simple protocol, which runs a script of several statements.
            return await work(async (text, params) => (await client.query(text, params)).rows);
          } finally {
            await client.query("select pg_advisory_unlock($1)", [MIGRATION_LOCK]);
          }
        } finally {
          await client.end();
        }
      },
      ping: async () => {
        await pool.query("select 1");
      },
      close: () => db.destroy(),
    };
  }
  const dataDir = options.dataDir ? path.join(options.dataDir, "pgdata") : undefined;
  if (dataDir) fs.mkdirSync(dataDir, { recursive: true });
  const unlock = dataDir ? lockDataDir(dataDir) : () => {};
  if (dataDir && !fs.existsSync(path.join(dataDir, "PG_VERSION"))) {
    try {
      execFileSync(process.execPath, [fileURLToPath(new URL("./pglite-init.mjs", import.meta.url)), dataDir], { stdio: "inherit" });
    } catch (error) {
      unlock();
      throw new Error(`Could not create the embedded database in ${dataDir}`, { cause: error });
    }
  }
  const pglite = new PGlite(dataDir, { parsers: { [INT8_OID]: Number }, startParams: EMBEDDED_START_PARAMS });
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
  return {
    db,
    kind: "pglite",
    // One process owns an embedded database, so no other instance needs locking out; PGlite itself runs
    // the script between request transactions, one after the other.
    exclusive: (work) =>
      work(async (text, params) =>
        params ? (await pglite.query<Record<string, unknown>>(text, params)).rows : ((await pglite.exec(text)).at(-1)?.rows ?? []),
      ),
    // In-process: the database is there while the instance is open. A query would queue behind whatever
    // transaction holds PGlite's one session, and a busy database is not an unreachable one.
    ping: async () => {
      if (pglite.closed) throw new Error("the embedded database is closed");
      await pglite.waitReady;
    },
    close: async () => {
      try {
        await db.destroy();
        if (!pglite.closed) await pglite.close();
      } finally {
        unlock();
      }
    },
  };
}
