import type { PostgresPool, PostgresPoolClient } from "kysely";
import type pg from "pg";
import { DatabaseUnavailableError, isLostConnection } from "./unavailable.ts";

/** A cancelled statement (statement_timeout) leaves its connection usable; a lost one does not. */
const STATEMENT_CANCELLED = "57014";

/**
 * The pool kysely draws from, over pg's. A connection that cannot be had
 * and a statement lost with its connection fail as DatabaseUnavailableError
 * (503), and a connection whose statement went unanswered (pg's
 * query_timeout: the server may be gone without a word) is closed rather than
 * handed to the next request, which would only queue behind that statement.
 */
export function guardedPool(pool: pg.Pool): PostgresPool {
  const guarded = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    options: pool.options,
    async connect() {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw isLostConnection(error) ? new DatabaseUnavailableError(error) : error;
      }
      let wrapper = guarded.get(client);
      if (!wrapper) {
        wrapper = guard(client);
        guarded.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}

function guard(client: pg.PoolClient): PostgresPoolClient {
  let broken = false;
  // A connection lost while checked out fails the statement under way with the same error; unheard, pg's
  // 'error' event would end the process (pg-pool listens only while the client is idle).
  client.on("error", () => {});
  const query = async (text: string, params: readonly unknown[]) => {
    try {
      return await client.query(text, params as unknown[]);
    } catch (error) {
      if (!isLostConnection(error)) throw error;
      if ((error as { code?: unknown }).code !== STATEMENT_CANCELLED) broken = true;
      throw new DatabaseUnavailableError(error);
    }
  };
  return {
    // kysely reads it to cancel a statement by its backend's pid.
    get processID() {
      return (client as { processID?: number }).processID;
    },
    query: query as unknown as PostgresPoolClient["query"],
    release(destroy) {
      const discard = Boolean(destroy) || broken;
      broken = false;
      // pg-pool sets a new release on each checkout; this calls the current one.
      client.release(discard);
    },
  };
}
