import type { Context } from "hono";
import type { RequestInfo } from "../actions/define-action.ts";
import { type NodeBindings, requestHeader } from "./request-header.ts";

/** Method, path, client address and user agent, as steps see them under `${request}`. */
export function requestInfo(c: Context, trustProxy: number): RequestInfo {
  const env = c.env as NodeBindings | undefined;
  const socketAddress = env?.incoming?.socket?.remoteAddress ?? null;
  return {
    method: c.req.method,
    path: c.req.path,
    ip: trustProxy > 0 ? (forwardedFor(requestHeader(c, "x-forwarded-for"), trustProxy) ?? socketAddress) : socketAddress,
    user_agent: requestHeader(c, "user-agent") ?? null,
  };
}

/**
 * The client address as the nearest trusted proxy saw it: with N proxies,
 * the N-th entry from the right. Entries further left are the client's own
 * claims and cannot be trusted.
 */
function forwardedFor(header: string | undefined, hops: number): string | undefined {
  if (!header) return undefined;
  const entries = header
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  return entries[Math.max(0, entries.length - hops)];
}
