import { isIP } from "node:net";
import type { Context } from "hono";
import { getCookie } from "hono/cookie";
import type { RequestInfo } from "../actions/define-action.ts";
import { type NodeBindings, requestHeader } from "./request-header.ts";

/**
 * Method, path, client address and user agent, as steps see them under `${request}`.
 * The address is the socket's, or with TRUST_PROXY hops the one the nearest
 * trusted proxy put in X-Forwarded-For; null in-process (`app.request()`
 * has no socket) unless a trusted header says otherwise.
 */
export function requestInfo(c: Context, trustProxy: number): RequestInfo {
  const env = c.env as NodeBindings | undefined;
  const socketAddress = plainAddress(env?.incoming?.socket?.remoteAddress) ?? null;
  const info = {
    method: c.req.method,
    path: c.req.path,
    ip: trustProxy > 0 ? (forwardedFor(requestHeader(c, "x-forwarded-for"), trustProxy) ?? socketAddress) : socketAddress,
    user_agent: requestHeader(c, "user-agent") ?? null,
  };
  let cookies: Readonly<Record<string, string>> | undefined;
  // Parsed on first use: few endpoints read a cookie.
  return Object.defineProperty(info, "cookies", {
    enumerable: false,
    get: () => {
      cookies ??= Object.assign(Object.create(null) as Record<string, string>, getCookie(c));
      return cookies;
    },
  }) as RequestInfo;
}

/**
 * The client address as the nearest trusted proxy saw it: with N proxies,
 * the N-th entry from the right. Entries further left are the client's own
 * claims and cannot be trusted. An entry that is not an address is ignored
 * (the socket's counts instead), so it cannot smuggle text into rate-limit keys or the log.
 */
function forwardedFor(header: string | undefined, hops: number): string | undefined {
  if (!header) return undefined;
  const entries = header
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  return plainAddress(entries[Math.max(0, entries.length - hops)]);
}

/** An IP address as text, IPv4 without its IPv6 mapping (`::ffff:10.0.0.1` → `10.0.0.1`), so one client has one key. */
function plainAddress(address: string | undefined): string | undefined {
  if (!address) return undefined;
  const unmapped = address.toLowerCase().startsWith("::ffff:") && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  return isIP(unmapped) ? unmapped : undefined;
}
