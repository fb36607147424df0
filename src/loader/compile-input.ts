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
 * ends in `?`, and no other field allowed. A field whose value is itself such
 * a map (only field names, each holding a map) is a nested object in shorthand.
 */
export function expandShorthand(spec: Record<string, unknown>): JsonSchema {
  if (typeof spec.type === "string") return spec;
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  for (const [rawName, schema] of Object.entries(spec)) {
    const optional = rawName.endsWith("?");
    const name = optional ? rawName.slice(0, -1) : rawName;
    properties[name] = isNestedShorthand(schema) ? expandShorthand(schema) : schema;
    if (!optional) required.push(name);
  }
  return { type: "object", properties, required, additionalProperties: false };
}

/** `user: { email: {…}, name?: {…} }`: no JSON Schema keyword among the keys, and a map under each. */
function isNestedShorthand(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return (
    entries.length > 0 &&
    entries.every(([key, field]) => !SCHEMA_KEYWORDS.has(key) && field !== null && typeof field === "object" && !Array.isArray(field))
  );
}

const SCHEMA_KEYWORDS = new Set([
  "type",
  "properties",
  "patternProperties",
  "additionalProperties",
  "items",
  "prefixItems",
  "contains",
  "not",
  "if",
  "then",
  "else",
  "allOf",
  "anyOf",
  "oneOf",
  "$ref",
  "$defs",
  "definitions",
  "dependentSchemas",
  "propertyNames",
  "unevaluatedProperties",
  "unevaluatedItems",
  "const",
  "enum",
  "default",
  "examples",
]);

/** Validators by schema text, per ajv: endpoints often declare the very same input (an id, a page), compiled once. */
const compiledByText = new WeakMap<Ajv, Map<string, ValidateFunction>>();

function compileOnce(ajv: Ajv, schema: JsonSchema): ValidateFunction {
  let compiled = compiledByText.get(ajv);
  if (!compiled) {
    compiled = new Map();
    compiledByText.set(ajv, compiled);
  }
  const text = JSON.stringify(schema);
  let validate = compiled.get(text);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(text, validate);
  }
  return validate;
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
    validate = compileOnce(ajv, schema);
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
      if (validate(value)) {
        const withNul = nulPath(value);
        if (withNul) throw new ValidationError({ [withNul.length > 0 ? withNul.join(".") : part]: "must not contain the NUL character" });
        return value;
      }
      // A Map, so a field named `__proto__` is named in the answer rather than set as the prototype.
      const fields = new Map<string, string>();
      for (const error of validate.errors ?? []) {
        const { field, message } = describeAjvError(error);
        const name = field.length > 0 ? field.join(".") : part;
        if (!fields.has(name)) fields.set(name, message);
      }
      throw new ValidationError(Object.fromEntries(fields));
    },
  };
}

/**
 * Where the first NUL character is in a valid input (a string or a key), or
 * undefined: PostgreSQL stores no NUL in text or jsonb, so such an input could
 * only fail later, as a 500 from the database. A loop, not recursion: a free-form
 * field may nest deeper than the stack.
 */
function nulPath(input: unknown): (string | number)[] | undefined {
  const pending: [unknown, (string | number)[]][] = [[input, []]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [value, path] = next;
    if (typeof value === "string") {
      if (value.includes("\0")) return path;
    } else if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index--) pending.push([value[index], [...path, index]]);
    } else if (value !== null && typeof value === "object") {
      for (const [key, field] of Object.entries(value)) {
        if (key.includes("\0")) return [...path, key];
        pending.push([field, [...path, key]]);
      }
    }
  }
  return undefined;
}
