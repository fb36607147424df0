import { Ajv, type ErrorObject, type KeywordDefinition, type Options, type SchemaValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import addKeywordsModule from "ajv-keywords";
import { isWholeReference } from "../pipeline/template.ts";

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
export const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (
  ajv: Ajv,
) => Ajv;

const addKeywords = ((addKeywordsModule as unknown as { default?: unknown }).default ?? addKeywordsModule) as unknown as (
  ajv: Ajv,
  keywords: string[],
) => Ajv;

export type { ErrorObject };

/** An ajv with the formats and the keywords trellis schemas may use. */
export function createAjv(options: Options = {}): Ajv {
  // `optimize: false`: a third less time compiling (an app of a thousand endpoints loads in under a second),
  // for validators no slower to run that anyone could measure.
  const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false, useDefaults: true, code: { optimize: false }, ...options });
  addFormats(ajv);
  // `literal: true` on an action option: the value must be written out, never a `${…}` reference.
  ajv.addKeyword({
    keyword: "literal",
    schemaType: "boolean",
    validate: (wanted: boolean, data: unknown) => !wanted || !isWholeReference(data),
    errors: false,
  });
  ajv.addKeyword({ keyword: "x-example" });
  // `transform: [trim, toLowerCase]` normalises text (emails) before the other keywords look at it.
  addKeywords(ajv, ["transform"]);
  ajv.addKeyword(byteLength("maxBytes", "at most", (limit, size) => size <= limit));
  ajv.addKeyword(byteLength("minBytes", "at least", (limit, size) => size >= limit));
  return ajv;
}

/** Lengths in UTF-8 bytes, for limits such as bcrypt's 72 bytes that maxLength (in characters) cannot express. */
function byteLength(keyword: string, bound: string, fits: (limit: number, size: number) => boolean): KeywordDefinition {
  const validate: SchemaValidateFunction = (limit: number, data: string) => {
    const ok = fits(limit, Buffer.byteLength(data, "utf8"));
    validate.errors = ok ? undefined : [{ keyword, message: `must be ${bound} ${limit} bytes (UTF-8)`, params: { limit } }];
    return ok;
  };
  return { keyword, type: "string", schemaType: "number", errors: true, validate };
}

/** One ajv error as a short sentence about the field it concerns. */
export function describeAjvError(error: ErrorObject): { field: string[]; message: string } {
  const field = error.instancePath.split("/").slice(1).map(unescapePointer);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return { field: [...field, String(params.missingProperty)], message: "is required" };
    case "additionalProperties":
      return { field: [...field, String(params.additionalProperty)], message: "is not an allowed field" };
    case "enum":
      return { field, message: `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(", ")}` };
    case "literal":
      return { field, message: "must be written out, not a ${…} reference" };
    default:
      return { field, message: error.message ?? "is not valid" };
  }
}

const unescapePointer = (segment: string): string => segment.replace(/~1/g, "/").replace(/~0/g, "~");
