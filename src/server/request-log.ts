import type { MiddlewareHandler } from "hono";
import type { Logger } from "../logger.ts";

/** The signed-in user's id, set by the endpoint handler for the request log. */
export const USER_VARIABLE = "trellis.user";

/** One line per request: method, path, status, milliseconds and user. */
export function requestLog(logger: Logger): MiddlewareHandler {
  return async function logRequest(c, next) {
    const start = performance.now();
    await next();
    const ms = Math.round((performance.now() - start) * 10) / 10;
    const user = c.get(USER_VARIABLE as never) as string | undefined;
    logger.info(`${c.req.method} ${c.req.path} ${c.res.status} ${ms}ms${user ? ` ${user}` : ""}`, {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms,
      ...(user ? { user } : {}),
    });
  };
}
