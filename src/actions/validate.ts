import type { ValidateFunction } from "ajv";
import { ValidationError } from "../errors.ts";
import { createAjv, describeAjvError } from "../loader/ajv.ts";
import { defineAction, type JsonSchema } from "./define-action.ts";

interface ValidateOptions {
  value: unknown;
  schema: JsonSchema;
  field?: string;
}

const ajv = createAjv();
// The schema is literal, so it is the same object on every request: compile it once.
const compiled = new WeakMap<JsonSchema, ValidateFunction>();

function validatorFor(schema: JsonSchema): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

export default defineAction<ValidateOptions>({
  name: "validate",
  description:
    "Checks any value against a JSON Schema (the same ajv and keywords as `input`). A mismatch is 400 `validation_failed`, with the fields named under `field`.",
  result: "The value, unchanged.",
  example: `# endpoints/age.post.yaml
allow: public
input:
  body:
    age: { type: integer }
steps:
  - validate: { value: "\${body.age}", schema: { type: integer, minimum: 18 }, field: age }
response:
  body: { ok: true }
`,
  pure: true,
  options: {
    type: "object",
    properties: {
      value: { description: "The value to check, usually a reference." },
      schema: { type: "object", literal: true, description: "A JSON Schema, compiled once at load." },
      field: { type: "string", literal: true, default: "value", description: "The name of the value in `details`." },
    },
    required: ["value", "schema"],
    additionalProperties: false,
  },
  check({ schema }) {
    try {
      validatorFor(schema);
      return [];
    } catch (error) {
      return [{ at: ["schema"], message: `invalid schema: ${error instanceof Error ? error.message : String(error)}` }];
    }
  },
  run(_ctx, { value, schema, field = "value" }) {
    const validate = validatorFor(schema);
    if (validate(value)) return value;
    const fields: Record<string, string> = {};
    for (const error of validate.errors ?? []) {
      const { field: below, message } = describeAjvError(error);
      fields[[field, ...below].join(".")] ??= message;
    }
    throw new ValidationError(fields);
  },
});
