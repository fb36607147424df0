import type { Context } from "hono";
import type { RequestInfo } from "../actions/define-action.ts";

interface NodeBindings {
  incoming?: { socket?: { remoteAddress?: string } };
}

/** Method, path, client address and user agent, as steps see them under `${request}`. */
export function requestInfo(c: Context): RequestInfo {
  const env = c.env as NodeBindings | undefined;
  return {
    method: c.req.method,
    path: c.req.path,
    ip: env?.incoming?.socket?.remoteAddress ?? null,
    userAgent: c.req.header("user-agent") ?? null,
  };
}
