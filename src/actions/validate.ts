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
  description: "Checks any value against a JSON Schema; a mismatch is a 400 naming the field.",
  pure: true,
  options: {
    type: "object",
    properties: {
      value: {},
      schema: { type: "object", literal: true },
      field: { type: "string", literal: true },
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
