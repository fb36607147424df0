import { databaseAction } from "../db/database-action.ts";
import { defineAction } from "./define-action.ts";
import { columnMapSchema, identifierSchema } from "./options/sql-identifiers.ts";

interface InsertOptions {
  table: string;
  values: Record<string, unknown> | Record<string, unknown>[];
  on_conflict?: "nothing";
}

export default defineAction<InsertOptions>({
  name: "db.insert",
  description:
    "Inserts one row (or a list of rows) into a table and returns what was inserted. A unique value already taken is 409, or with `on_conflict: nothing` no row (null) — atomic, even against a concurrent insert.",
  options: {
    type: "object",
    properties: {
      table: identifierSchema,
      values: { anyOf: [columnMapSchema, { type: "array", items: columnMapSchema, minItems: 1 }] },
      on_conflict: { type: "string", enum: ["nothing"], literal: true },
    },
    required: ["table", "values"],
    additionalProperties: false,
  },
  run: ({ db }, { table, values, on_conflict }) =>
    databaseAction(async () => {
      let query = db.insertInto(table).values(values as never);
      if (on_conflict === "nothing") query = query.onConflict((oc) => oc.doNothing());
      const rows = await query.returningAll().execute();
      return Array.isArray(values) ? rows : (rows[0] ?? null);
    }),
});
