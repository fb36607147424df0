import type { Context } from "hono";
import { TrellisError } from "../errors.ts";
import { requestHeader } from "./request-header.ts";

const JSON_TYPE = /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i;

/**
 * The request's JSON body, refusing a wrong content type (415), more than
 * `limit` bytes (413, checked while reading, not only from Content-Length)
 * and text that is not JSON (400). No body at all reads as undefined.
 */
export async function readJsonBody(c: Context, limit: number): Promise<unknown> {
  const request = c.req.raw;
  const length = requestHeader(c, "content-length") ?? null;
  const declared = length === null ? Number.NaN : Number(length);
  if (declared > limit) throw tooLarge(limit);
  if (declared === 0) return undefined;
  if (!JSON_TYPE.test(requestHeader(c, "content-type") ?? "")) {
    if (length !== null) throw unsupported();
    // Without a length (chunked, or a Request made in-process), no bytes is no body; any byte in the wrong type is a 415.
    if ((await readLimited(request, limit)).length > 0) throw unsupported();
    return undefined;
  }
  // With a Content-Length the HTTP parser hands over exactly that many bytes, so the body is read whole (the
  // server's quick path); without one it is counted as it arrives.
  const text =
    length !== null ? await request.text() : new TextDecoder("utf-8", { fatal: false }).decode(await readLimited(request, limit));
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new TrellisError(400, "invalid_json", "The body is not valid JSON");
  }
}

/** The body's bytes, refusing (413) as soon as they pass `limit`. */
async function readLimited(request: Request, limit: number): Promise<Buffer> {
  if (!request.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

const unsupported = () => new TrellisError(415, "unsupported_media_type", "Send the body as JSON with Content-Type: application/json");

const tooLarge = (limit: number) =>
  new TrellisError(413, "payload_too_large", `The body is larger than ${limit} bytes`, { limit_bytes: limit });
