import { databaseAction } from "../db/database-action.ts";
import { whereEquals } from "../db/where-equals.ts";
import { defineAction } from "./define-action.ts";
import { columnMapSchema, identifierSchema } from "./options/sql-identifiers.ts";

interface SelectOptions {
  table: string;
  where?: Record<string, unknown>;
  columns?: string[];
  order_by?: string[];
  limit?: number;
  offset?: number;
  one?: boolean;
}

export default defineAction<SelectOptions>({
  name: "db.select",
  description: "Reads rows of a table matching `where` (equality on each column); with `one: true`, the first row or null.",
  options: {
    type: "object",
    properties: {
      table: identifierSchema,
      where: columnMapSchema,
      columns: { type: "array", items: identifierSchema, minItems: 1 },
      order_by: { type: "array", items: { type: "string", pattern: "^-?[A-Za-z_][A-Za-z0-9_]*$", literal: true } },
      limit: { type: "integer", minimum: 0, maximum: 10000 },
      offset: { type: "integer", minimum: 0 },
      one: { type: "boolean", literal: true },
    },
    required: ["table"],
    additionalProperties: false,
  },
  run: ({ db }, options) =>
    databaseAction(async () => {
      let query = db.selectFrom(options.table);
      query = options.columns ? query.select(options.columns as never) : query.selectAll();
      if (options.where && Object.keys(options.where).length > 0) query = query.where(whereEquals(options.where));
      for (const order of options.order_by ?? []) {
        query = order.startsWith("-") ? query.orderBy(order.slice(1) as never, "desc") : query.orderBy(order as never, "asc");
      }
      const limit = options.one ? 1 : options.limit;
      if (limit !== undefined) query = query.limit(limit);
      if (options.offset !== undefined) query = query.offset(options.offset);
      const rows = await query.execute();
      return options.one ? (rows[0] ?? null) : rows;
    }),
});
