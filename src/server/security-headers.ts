/**
 * On every response, set where each response is made rather than by a
 * middleware: a middleware would put every route on Hono's slower composed
 * path, and editing a finished response's headers makes @hono/node-server
 * build a full Headers object for it.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({ "X-Content-Type-Options": "nosniff" });
