import type { AnyAction, JsonSchema } from "../actions/define-action.ts";
import { INPUT_ROOTS } from "../pipeline/scope.ts";
import { createAjv } from "./ajv.ts";
import { HEADER_NAME } from "./compile-endpoint.ts";
import { STEP_NAME } from "./compile-steps.ts";
import { ROLE_NAME } from "./load-roles.ts";

/*
 * The JSON Schema (draft-07, what VS Code's YAML extension handles best) of
 * an endpoint file, for completion, hover and squiggles in an editor. It
 * follows what the loader accepts; the loader stays the judge (roles.yaml,
 * references, SQL parameters are beyond a schema).
 */

const REFERENCE_REF = { $ref: "#/definitions/reference" };

/** Keywords trellis adds to ajv (src/loader/ajv.ts): an editor knows none of them. */
const TRELLIS_KEYWORDS = new Set(["literal", "transform", "maxBytes", "minBytes", "x-example"]);
/** Keywords that describe a value without constraining it. */
const ANNOTATIONS = new Set(["title", "description", "default", "examples", "$comment"]);
/** Keywords whose value is one subschema at a child position (a value of its own). */
const CHILD_SCHEMA = new Set(["additionalProperties", "additionalItems", "contains"]);
/** Keywords whose value maps names to subschemas at child positions. */
const CHILD_SCHEMA_MAP = new Set(["properties", "patternProperties"]);
/** Keywords whose subschemas apply at the same position. */
const SAME_POSITION_LIST = new Set(["anyOf", "oneOf", "allOf"]);
const SAME_POSITION = new Set(["not", "if", "then", "else"]);

/** The transforms ajv-keywords offers for `transform:` in an input schema. */
const TRANSFORMS = ["trim", "trimStart", "trimEnd", "trimLeft", "trimRight", "toLowerCase", "toUpperCase", "toEnumCase"];
const JSON_TYPES = ["string", "number", "integer", "boolean", "object", "array", "null"];
const ACCESS_LEVELS = ["public", "authenticated"];

/**
 * The schema of an endpoint file, with one step property per action of
 * `actions` (the built-ins, plus an app's own): its description, and its
 * options schema where any value may also be a `${…}` reference, except
 * the options the action marks `literal`.
 */
export function createEndpointSchema(actions: ReadonlyMap<string, AnyAction>): JsonSchema {
  const names = [...actions.keys()].sort();
  const actionProperties = Object.fromEntries(names.map((name) => [name, actionSchema(actions.get(name) as AnyAction)]));
  return {
    $schema: "http://json-schema.org/draft-07/schema#",
    title: "trellis endpoint",
    description: "One HTTP endpoint: the file endpoints/<path>.<method>.yaml. Check it with `trellis check`.",
    type: "object",
    properties: {
      summary: { type: "string", description: "One line saying what the endpoint does (OpenAPI summary)." },
      description: { type: "string", description: "More about the endpoint (OpenAPI description)." },
      tags: { type: "array", items: { type: "string" }, description: "Groups for the API docs." },
      allow: { $ref: "#/definitions/allow" },
      mfa: {
        type: "boolean",
        description:
          "Only for a sign-in with a second factor: an access token without `mfa` in its `amr` claim is 403 `mfa_required`. Not with `allow: public`.",
      },
      input: {
        type: "object",
        description: "What the request must hold; anything else is a 400 naming the field.",
        properties: {
          body: inputPart("The JSON body (not for GET), read as ${body.…}."),
          query: inputPart("The query string, read as ${query.…}; values are coerced to the declared types."),
          params: inputPart("The [path] parameters, read as ${params.…}; each is a required string unless declared here."),
        },
        additionalProperties: false,
      },
      steps: {
        type: "array",
        description: "The pipeline, run in order inside one transaction; a failing step rolls every write back.",
        items: { $ref: "#/definitions/step" },
      },
      response: { $ref: "#/definitions/response" },
    },
    required: ["allow"],
    additionalProperties: false,
    definitions: {
      reference: {
        type: "string",
        // As isWholeReference: one reference, the whole text.
        pattern: "^\\$\\{[^}]*\\}$",
        description: "A ${…} reference, resolved for each request: ${body.email}, ${auth.sub}, ${user.id}…",
      },
      allow: {
        description: "Who may call this endpoint: public, authenticated (any signed-in user), or a list of roles from roles.yaml.",
        anyOf: [
          { enum: ACCESS_LEVELS },
          { type: "string", pattern: ROLE_NAME.source, not: { enum: ACCESS_LEVELS } },
          { type: "array", minItems: 1, items: { type: "string", pattern: ROLE_NAME.source, not: { enum: ACCESS_LEVELS } } },
        ],
      },
      fields: {
        type: "object",
        description: "Fields by name, each a JSON Schema; every field is required unless its name ends in `?`, and no other is allowed.",
        additionalProperties: { $ref: "#/definitions/jsonSchema" },
      },
      fullSchema: {
        description: "A full JSON Schema (it has a `type`).",
        allOf: [{ $ref: "#/definitions/jsonSchema" }, { type: "object", required: ["type"] }],
      },
      jsonSchema: jsonSchemaDefinition(),
      step: {
        type: "object",
        description: "One action, like `- db.insert: {…}`, with optional `as:` and `when:`.",
        properties: {
          as: {
            type: "string",
            pattern: STEP_NAME.source,
            not: { enum: [...INPUT_ROOTS] },
            description: "Names the step's result, so later steps, `when:` and the response can read it as ${name}.",
          },
          when: {
            type: ["string", "boolean"],
            description: 'Runs the step only when this is truthy: "${user}", or "${!user}" for the opposite.',
          },
          ...actionProperties,
        },
        additionalProperties: false,
        oneOf: names.map((name) => ({ required: [name] })),
      },
      response: {
        type: "object",
        description: "The answer once every step has run: 200 with a body, 204 without, unless `status` says otherwise.",
        properties: {
          status: { type: "integer", minimum: 100, maximum: 599, description: "The HTTP status (100–599)." },
          headers: {
            type: "object",
            description: "Header name → text, which may hold ${…} references.",
            propertyNames: { pattern: HEADER_NAME.source },
            additionalProperties: { type: "string" },
          },
          body: { description: "Any JSON value; a whole ${…} reference keeps its type, references inside a text are interpolated." },
        },
        additionalProperties: false,
      },
    },
  };
}

/** `input.body`, `input.query` or `input.params`: the shorthand map of fields, or a full schema. */
function inputPart(description: string): JsonSchema {
  return { description, anyOf: [{ $ref: "#/definitions/fields" }, { $ref: "#/definitions/fullSchema" }] };
}

/** A step's key for one action: the action's description and its options schema, as an editor should see it. */
function actionSchema(action: AnyAction): JsonSchema {
  const options = editorSchema(action.options) as JsonSchema;
  // `- respond:` with nothing after it is `- respond: {}`: null is fine where no option is needed.
  const nullable =
    options.type === "object" && ["required", "anyOf", "oneOf", "allOf", "not", "if", "minProperties"].every((key) => !(key in options));
  return { ...options, ...(nullable ? { type: ["object", "null"] } : {}), description: action.description };
}

/**
 * A schema with trellis's keywords dropped, where each value below the
 * top (a property, an item) may also be a `${…}` reference, unless it is
 * `literal`: what the loader accepts before it checks the resolved value.
 */
function editorSchema(schema: unknown): unknown {
  if (schema === null || typeof schema !== "object" || Array.isArray(schema)) return schema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (TRELLIS_KEYWORDS.has(key)) continue;
    if (CHILD_SCHEMA_MAP.has(key) && isRecord(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, valueSchema(child)]));
    } else if (CHILD_SCHEMA.has(key) && isRecord(value)) {
      out[key] = valueSchema(value);
    } else if (key === "items") {
      out[key] = Array.isArray(value) ? value.map(valueSchema) : valueSchema(value);
    } else if (SAME_POSITION_LIST.has(key) && Array.isArray(value)) {
      out[key] = value.map(editorSchema);
    } else if (SAME_POSITION.has(key)) {
      out[key] = editorSchema(value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** The schema of one value: also a reference, unless `literal` or it takes any text already. */
function valueSchema(schema: unknown): unknown {
  const out = editorSchema(schema);
  if (!isRecord(schema) || !isRecord(out) || schema.literal === true || takesAnyReference(out)) return out;
  const alone = Object.keys(out).length === 1 && Array.isArray(out.anyOf);
  return { anyOf: [...(alone ? (out.anyOf as unknown[]) : [out]), REFERENCE_REF] };
}

/** True when `${x.y}` passes the schema anyway: no constraint, or a text with at most a small minLength. */
function takesAnyReference(schema: JsonSchema): boolean {
  return Object.entries(schema).every(
    ([key, value]) =>
      ANNOTATIONS.has(key) || (key === "type" && value === "string") || (key === "minLength" && typeof value === "number" && value <= 4),
  );
}

export const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** The JSON Schema of an input field, in brief: the keywords worth completing, and trellis's own. */
function jsonSchemaDefinition(): JsonSchema {
  const schema = { $ref: "#/definitions/jsonSchema" };
  const count = { type: "integer", minimum: 0 };
  const formats = Object.keys(createAjv().formats).sort();
  return {
    type: ["object", "boolean"],
    properties: {
      type: {
        anyOf: [{ enum: JSON_TYPES }, { type: "array", items: { enum: JSON_TYPES }, uniqueItems: true }],
      },
      title: { type: "string" },
      description: { type: "string" },
      default: {},
      examples: { type: "array" },
      enum: { type: "array", minItems: 1 },
      const: {},
      format: { enum: formats },
      pattern: { type: "string" },
      minLength: count,
      maxLength: count,
      minBytes: { ...count, description: "At least this many bytes in UTF-8 (trellis)." },
      maxBytes: { ...count, description: "At most this many bytes in UTF-8, e.g. 72 for a bcrypt password (trellis)." },
      transform: {
        type: "array",
        items: { enum: TRANSFORMS },
        description: "Normalises a text before the other keywords look at it, e.g. [trim, toLowerCase].",
      },
      minimum: { type: "number" },
      maximum: { type: "number" },
      exclusiveMinimum: { type: "number" },
      exclusiveMaximum: { type: "number" },
      multipleOf: { type: "number", exclusiveMinimum: 0 },
      items: { anyOf: [schema, { type: "array", items: schema }] },
      minItems: count,
      maxItems: count,
      uniqueItems: { type: "boolean" },
      properties: { type: "object", additionalProperties: schema },
      required: { type: "array", items: { type: "string" }, uniqueItems: true },
      additionalProperties: schema,
      propertyNames: schema,
      minProperties: count,
      maxProperties: count,
      anyOf: { type: "array", minItems: 1, items: schema },
      oneOf: { type: "array", minItems: 1, items: schema },
      allOf: { type: "array", minItems: 1, items: schema },
      not: schema,
    },
  };
}
