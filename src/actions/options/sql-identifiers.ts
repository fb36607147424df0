import type { JsonSchema } from "../define-action.ts";

/** A table or column name written out in YAML: never a reference, never quoted SQL. */
export const identifierSchema: JsonSchema = {
  type: "string",
  pattern: "^[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?$",
  maxLength: 126,
  literal: true,
};

/** `{ column: value }` where the column names are literal identifiers. */
export const columnMapSchema: JsonSchema = {
  type: "object",
  propertyNames: { pattern: "^[A-Za-z_][A-Za-z0-9_]*$" },
};
