import type { Context } from "hono";

/** What @hono/node-server hands a handler beside the request: Node's own request. */
export interface NodeBindings {
  readonly incoming?: {
    readonly headers: Readonly<Record<string, string | string[] | undefined>>;
    readonly socket?: { readonly remoteAddress?: string };
  };
}

/**
 * One request header (`name` in lower case), read from Node's request when
 * served over HTTP: asking the web Request for one builds a Headers object
 * of them all. In-process (`app.request`), from the Request itself.
 */
export function requestHeader(c: Context, name: string): string | undefined {
  const incoming = (c.env as NodeBindings | undefined)?.incoming;
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}
