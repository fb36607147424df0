import { databaseAction } from "../db/database-action.ts";
import { whereEquals } from "../db/where-equals.ts";
import { defineAction } from "./define-action.ts";
import { columnMapSchema, identifierSchema } from "./options/sql-identifiers.ts";

interface DeleteOptions {
  table: string;
  where: Record<string, unknown>;
  one?: boolean;
}

export default defineAction<DeleteOptions>({
  name: "db.delete",
  description: "Deletes the rows matching `where` (required) and returns them; with `one: true`, the first or null.",
  options: {
    type: "object",
    properties: {
      table: identifierSchema,
      where: { ...columnMapSchema, minProperties: 1 },
      one: { type: "boolean", literal: true },
    },
    required: ["table", "where"],
    additionalProperties: false,
  },
  run: ({ db }, { table, where, one }) =>
    databaseAction(async () => {
      const rows = await db.deleteFrom(table).where(whereEquals(where)).returningAll().execute();
      return one ? (rows[0] ?? null) : rows;
    }),
});
