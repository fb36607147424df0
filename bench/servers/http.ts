/**
 * The baseline's HTTP conventions, written out by hand as a Hono app would:
 * trellis's response headers, its error envelope and its JSON body checks.
 */
import type { Context } from "hono";

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const unauthorized = (message: string, code: string) =>
  new HttpError(401, code, message, undefined, { "WWW-Authenticate": 'Bearer realm="trellis"' });

export const invalid = (fields: Record<string, string>) => new HttpError(400, "validation_failed", "The request is not valid", fields);

/** JSON as trellis sends it: its content type and `X-Content-Type-Options: nosniff` on every answer. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", ...headers, "X-Content-Type-Options": "nosniff" },
  });
}

export function errorResponse(error: unknown): Response {
  if (error instanceof HttpError) {
    const body: { code: string; message: string; details?: unknown } = { code: error.code, message: error.message };
    if (error.details !== undefined) body.details = error.details;
    return json(error.status, { error: body }, error.headers);
  }
  process.stderr.write(`baseline: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return json(500, { error: { code: "internal_error", message: "Something went wrong on our side" } });
}

const JSON_TYPE = /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i;

/** A JSON object body: 415 for another content type, 400 for text that is not JSON or not an object. */
export async function readJsonObject(c: Context): Promise<Record<string, unknown>> {
  if (!JSON_TYPE.test(c.req.header("content-type") ?? "")) {
    throw new HttpError(415, "unsupported_media_type", "Send the body as JSON with Content-Type: application/json");
  }
  let body: unknown;
  try {
    body = JSON.parse(await c.req.text());
  } catch {
    throw new HttpError(400, "invalid_json", "The body is not valid JSON");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw invalid({ body: "must be an object" });
  return body as Record<string, unknown>;
}

/** Fields other than `allowed` are refused by name, as trellis's shorthand schemas do. */
export function refuseOtherFields(body: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(body).filter((field) => !allowed.includes(field));
  if (extra.length > 0) throw invalid(Object.fromEntries(extra.map((field) => [field, "is not an allowed field"])));
}

/** The socket's address: trellis's `${request.ip}` with TRUST_PROXY=0. */
export function clientIp(c: Context): string | null {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress ?? null;
}
