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
  readsOnly: true,
  description:
    'Reads the rows of a table that match `where`. With `one: true`, it returns the first row or `null`. `where` is equality on every column given, joined with "and". A `null` value means `is null`. For anything richer, use `db.query`.',
  result: "The rows, a list of objects; with `one: true`, the first row or `null`.",
  example: `# endpoints/admin/logins.get.yaml
allow: [admin]
input:
  query:
    user: { type: string, format: uuid }
    limit?: { type: integer, minimum: 1, maximum: 100, default: 20 }
    offset?: { type: integer, minimum: 0, default: 0 }
steps:
  - db.select: { table: users, where: { id: "\${query.user}" }, columns: [id, email, name], one: true }
    as: user
  - db.select:
      table: log
      where: { user_id: "\${query.user}", event: login }
      columns: [at, ip]
      order_by: [-at, -id]
      limit: "\${query.limit}"
      offset: "\${query.offset}"
    as: logins
response:
  body: { user: "\${user}", logins: "\${logins}" }
`,
  options: {
    type: "object",
    properties: {
      table: { ...identifierSchema, description: "The table: `name` or `schema.name`." },
      where: { ...columnMapSchema, description: "Column → value; `null` means `is null`. Without it, every row." },
      columns: { type: "array", items: identifierSchema, minItems: 1, description: "The columns to read; by default all." },
      order_by: {
        type: "array",
        items: { type: "string", pattern: "^-?[A-Za-z_][A-Za-z0-9_]*$", literal: true },
        description: "Columns to sort by, in order; `-column` for descending.",
      },
      limit: { type: "integer", minimum: 0, maximum: 10000, description: "At most this many rows; by default no limit." },
      offset: { type: "integer", minimum: 0, description: "Skip this many rows first." },
      one: { type: "boolean", literal: true, description: "`true` for the first row or `null`, instead of a list." },
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
