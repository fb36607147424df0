import { Ajv, type ErrorObject, type Options } from "ajv";
import addFormatsModule from "ajv-formats";
import { isWholeReference } from "../pipeline/template.ts";

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

export type { ErrorObject };

/** An ajv with the formats and the keywords trellis schemas may use. */
export function createAjv(options: Options = {}): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: true, ...options });
  addFormats(ajv);
  // `literal: true` on an action option: the value must be written out, never a `${…}` reference.
  ajv.addKeyword({
    keyword: "literal",
    schemaType: "boolean",
    validate: (wanted: boolean, data: unknown) => !wanted || !isWholeReference(data),
    errors: false,
  });
  ajv.addKeyword({ keyword: "x-example" });
  return ajv;
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
