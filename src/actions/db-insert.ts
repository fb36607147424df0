import { databaseAction } from "../db/database-action.ts";
import { defineAction } from "./define-action.ts";
import { columnMapSchema, identifierSchema } from "./options/sql-identifiers.ts";

interface InsertOptions {
  table: string;
  values: Record<string, unknown> | Record<string, unknown>[];
}

export default defineAction<InsertOptions>({
  name: "db.insert",
  description: "Inserts one row (or a list of rows) into a table and returns what was inserted.",
  options: {
    type: "object",
    properties: {
      table: identifierSchema,
      values: { anyOf: [columnMapSchema, { type: "array", items: columnMapSchema, minItems: 1 }] },
    },
    required: ["table", "values"],
    additionalProperties: false,
  },
  run: ({ db }, { table, values }) =>
    databaseAction(async () => {
      const rows = await db
        .insertInto(table)
        .values(values as never)
        .returningAll()
        .execute();
      return Array.isArray(values) ? rows : rows[0];
    }),
});
