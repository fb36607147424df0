import type { CompiledResponse } from "../pipeline/compiled-endpoint.ts";
import type { Reply } from "../pipeline/reply.ts";
import { createScope, type Scope } from "../pipeline/scope.ts";
import { isConstant } from "../pipeline/template.ts";
import { SECURITY_HEADERS } from "./security-headers.ts";

type Headers = Readonly<Record<string, string>>;

const JSON_TYPE = { "Content-Type": "application/json; charset=utf-8" };

/**
 * An endpoint file's `response:`, prepared once: headers written out in full
 * are merged with the engine's once, and a body written out in full is
 * serialized once, so a request only fills in what refers to it.
 */
export function prepareResponse(response: CompiledResponse): (scope: Scope) => Response {
  const fixedHeaders = response.headers.every(([, value]) => isConstant(value)) ? resolveHeaders(response, createScope({})) : undefined;
  const merged = fixedHeaders && mergedHeaders(fixedHeaders);
  const fixedBody = response.body && isConstant(response.body) ? response.body(createScope({})) : undefined;
  if (merged && response.body && fixedBody !== undefined) {
    const text = serialize(response.status, fixedBody, fixedHeaders ?? {});
    return () => new Response(text, { status: response.status, headers: text === null || merged.typed ? merged.plain : merged.json });
  }
  return (scope) => {
    const body = response.body?.(scope);
    if (merged) return respond(response.status, body, fixedHeaders ?? {}, merged);
    return toResponse(response.status, body, resolveHeaders(response, scope));
  };
}

/** What a step's Reply (`respond`) answers. */
export const replyResponse = (reply: Reply): Response => toResponse(reply.status, reply.body, reply.headers);

function toResponse(status: number, body: unknown, headers: Headers): Response {
  return respond(status, body, headers, mergedHeaders(headers));
}

function respond(status: number, body: unknown, headers: Headers, merged: MergedHeaders): Response {
  const text = serialize(status, body, headers);
  return new Response(text, { status, headers: text === null || merged.typed ? merged.plain : merged.json });
}

/** No body for 204 and 304; a text as it is when the headers name a type other than JSON; JSON otherwise. */
function serialize(status: number, body: unknown, headers: Headers): string | null {
  if (body === undefined || status === 204 || status === 304) return null;
  if (typeof body === "string" && isTextType(contentTypeOf(headers))) return body;
  return JSON.stringify(body);
}

interface MergedHeaders {
  /** The endpoint's headers with the engine's. */
  readonly plain: Headers;
  /** The same with a JSON Content-Type first (the endpoint's own, if it names one, wins). */
  readonly json: Headers;
  /** True when the endpoint names its own Content-Type. */
  readonly typed: boolean;
}

function mergedHeaders(headers: Headers): MergedHeaders {
  const typed = contentTypeOf(headers) !== undefined;
  return { plain: { ...headers, ...SECURITY_HEADERS }, json: { ...JSON_TYPE, ...headers, ...SECURITY_HEADERS }, typed };
}

function resolveHeaders(response: CompiledResponse, scope: Scope): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of response.headers) {
    const resolved = value(scope);
    if (resolved !== undefined && resolved !== null) headers[name] = String(resolved);
  }
  return headers;
}

const isTextType = (type: string | undefined) => type !== undefined && !/json/i.test(type);

function contentTypeOf(headers: Headers): string | undefined {
  for (const name in headers) if (name.toLowerCase() === "content-type") return headers[name];
  return undefined;
}
