import { TrellisError } from "../errors.ts";

const JSON_TYPE = /^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i;

/**
 * The request's JSON body, refusing a wrong content type (415), more than
 * `limit` bytes (413, checked while reading, not only from Content-Length)
 * and text that is not JSON (400). No body at all reads as undefined.
 */
export async function readJsonBody(request: Request, limit: number): Promise<unknown> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > limit) throw tooLarge(limit);
  if (!request.body || declared === 0) return undefined;
  const typed = JSON_TYPE.test(request.headers.get("content-type") ?? "");
  if (!typed && declared > 0) throw unsupported();

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
  if (size === 0) return undefined;
  if (!typed) throw unsupported();
  const text = new TextDecoder("utf-8", { fatal: false }).decode(Buffer.concat(chunks));
  try {
    return JSON.parse(text);
  } catch {
    throw new TrellisError(400, "invalid_json", "The body is not valid JSON");
  }
}

const unsupported = () => new TrellisError(415, "unsupported_media_type", "Send the body as JSON with Content-Type: application/json");

const tooLarge = (limit: number) =>
  new TrellisError(413, "payload_too_large", `The body is larger than ${limit} bytes`, { limit_bytes: limit });
