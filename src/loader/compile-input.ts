import type { Ajv, ValidateFunction } from "ajv";
import type { JsonSchema } from "../actions/define-action.ts";
import { ValidationError } from "../errors.ts";
import { describeAjvError } from "./ajv.ts";
import { didYouMean } from "./suggest.ts";
import type { YamlSource } from "./yaml-source.ts";

export type InputPart = "body" | "query" | "params";

/** Checks one part of the request and returns it (with defaults filled in), or throws a 400 naming each bad field. */
export interface InputValidator {
  readonly schema: JsonSchema;
  check(value: unknown): unknown;
}

/**
 * `input.body` is either a full JSON Schema (it has a string `type`) or the
 * shorthand: a map of field → schema, every field required unless its name
 * ends in `?`, and no other field allowed.
 */
export function expandShorthand(spec: Record<string, unknown>): JsonSchema {
  if (typeof spec.type === "string") return spec;
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [rawName, schema] of Object.entries(spec)) {
    const optional = rawName.endsWith("?");
    const name = optional ? rawName.slice(0, -1) : rawName;
    properties[name] = schema;
    if (!optional) required.push(name);
  }
  return { type: "object", properties, required, additionalProperties: false };
}

export function compileInput(
  ajv: Ajv,
  part: InputPart,
  schema: JsonSchema,
  source: YamlSource,
  path: readonly (string | number)[],
): InputValidator | undefined {
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const keyword = /keyword: "?([^"\s]+)"?/.exec(message)?.[1];
    const keyPath = keyword ? source.findKey(path, keyword) : undefined;
    const hint = keyword && /unknown keyword/.test(message) ? didYouMean(keyword, Object.keys(ajv.RULES.keywords)) : "";
    source.report(keyPath ?? path, `invalid ${part} schema: ${message.replace(/^strict mode: /, "")}${hint}`, { atKey: !!keyPath });
    return undefined;
  }
  return {
    schema,
    check(value) {
      if (validate(value)) return value;
      const fields: Record<string, string> = {};
      for (const error of validate.errors ?? []) {
        const { field, message } = describeAjvError(error);
        const name = field.length > 0 ? field.join(".") : part;
        fields[name] ??= message;
      }
      throw new ValidationError(fields);
    },
  };
}
