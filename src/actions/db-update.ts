import { databaseAction } from "../db/database-action.ts";
import { whereEquals } from "../db/where-equals.ts";
import { defineAction } from "./define-action.ts";
import { columnMapSchema, identifierSchema } from "./options/sql-identifiers.ts";

interface UpdateOptions {
  table: string;
  set: Record<string, unknown>;
  where: Record<string, unknown>;
  one?: boolean;
}

export default defineAction<UpdateOptions>({
  name: "db.update",
  description:
    "Updates the rows matching `where` (required, so no step updates a whole table by accident) and returns them; with `one: true`, the first or null.",
  options: {
    type: "object",
    properties: {
      table: identifierSchema,
      set: { ...columnMapSchema, minProperties: 1 },
      where: { ...columnMapSchema, minProperties: 1 },
      one: { type: "boolean", literal: true },
    },
    required: ["table", "set", "where"],
    additionalProperties: false,
  },
  run: ({ db }, { table, set, where, one }) =>
    databaseAction(async () => {
      const rows = await db
        .updateTable(table)
        .set(set as never)
        .where(whereEquals(where))
        .returningAll()
        .execute();
      return one ? (rows[0] ?? null) : rows;
    }),
});
