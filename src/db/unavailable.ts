/**
 * The database could not be reached, or did not answer in time: a request
 * that meets it is answered 503 `database_unavailable` and may be retried.
 * Raised where trellis talks to PostgreSQL (src/db/guarded-pool.ts), so an
 * action's own network error (a mail or web API) is never mistaken for one.
 */
export class DatabaseUnavailableError extends Error {
  override name = "DatabaseUnavailableError";
  constructor(cause: unknown) {
    super(`the database is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** True when `error`, or an error that caused it, is a DatabaseUnavailableError. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth++) {
    if (current instanceof DatabaseUnavailableError) return true;
    current = current.cause;
  }
  return false;
}

/** Node's errors for a server that is not there, or a connection that broke. */
const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
]);

/**
 * PostgreSQL's: class 08 (connection exception), the server shutting down or
 * ending the session (57P01–57P03), too many connections (53300), and a
 * statement cancelled (57014, as statement_timeout does).
 */
const SERVER_CODES = /^(08...|57P0[123]|53300|57014)$/;

/** What pg, pg-pool and kysely say when a connection cannot be had or was lost: they set no code. */
const DRIVER_MESSAGES = [
  "timeout exceeded when trying to connect",
  "Connection terminated",
  "Query read timeout",
  "is not queryable",
  "Postgres connection has been discarded",
];

/** True when an error from the PostgreSQL driver says the server is out of reach rather than that a query was wrong. */
export function isLostConnection(error: unknown): boolean {
  if (!error || typeof error !== "object") return false;
  const { code, message, errors } = error as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === "string" && (NETWORK_CODES.has(code) || SERVER_CODES.test(code))) return true;
  if (typeof message === "string" && DRIVER_MESSAGES.some((text) => message.includes(text))) return true;
  // Node gives an AggregateError when every address of a host refused.
  return Array.isArray(errors) && errors.some((inner) => isLostConnection(inner));
}
