import { CompiledQuery } from "kysely";
import { databaseAction } from "../db/database-action.ts";
import { parseNamedSql } from "../db/named-sql.ts";
import { defineAction } from "./define-action.ts";

interface QueryOptions {
  sql: string;
  params?: Record<string, unknown>;
  one?: boolean;
}

export default defineAction<QueryOptions>({
  name: "db.query",
  description: [
    "Runs one SQL statement with `:name` parameters and returns its rows. With `one: true`, it returns the first row or `null`.",
    "Values from `params` are bound, never spliced into the SQL text. `::` casts, quoted text and comments are not parameters. Every `:name` needs a value in `params`, and every entry of `params` must be used, or the file does not load. An object value is passed as JSON text, and an absent value as `NULL`.",
    "Any statement works, including `insert`, `update` and `with`. It runs in the request's transaction. Counts and `bigint` columns come back as numbers on both PGlite and PostgreSQL.",
  ].join("\n\n"),
  result: "The rows, a list of objects; with `one: true`, the first row or `null`.",
  example: `# endpoints/admin/stats.get.yaml
allow: [admin]
input:
  query:
    since: { type: string, format: date-time }
steps:
  - db.query:
      sql: |
        select event, count(*) as n
        from log
        where at > :since
        group by event
        order by n desc
      params: { since: "\${query.since}" }
    as: counts
  - db.query: { sql: "select count(*) as total from users where confirmed_at is not null", one: true }
    as: confirmed
response:
  body: { events: "\${counts}", confirmed_users: "\${confirmed.total}" }
`,
  options: {
    type: "object",
    properties: {
      sql: { type: "string", minLength: 1, literal: true, description: "One SQL statement, with `:name` parameters." },
      params: {
        type: "object",
        propertyNames: { pattern: "^[A-Za-z_][A-Za-z0-9_]*$" },
        description: "Parameter name → value, for each `:name` in `sql`.",
      },
      one: { type: "boolean", literal: true, description: "`true` for the first row or `null`, instead of a list." },
    },
    required: ["sql"],
    additionalProperties: false,
  },
  check({ sql, params = {} }) {
    const { names } = parseNamedSql(sql);
    const given = Object.keys(params);
    return [
      ...names.filter((name) => !given.includes(name)).map((name) => ({ at: ["sql"], message: `:${name} has no value in params` })),
      ...given
        .filter((name) => !names.includes(name))
        .map((name) => ({ at: ["params", name], message: `param "${name}" is not used in sql` })),
    ];
  },
  run: ({ db }, { sql, params = {}, one }) =>
    databaseAction(async () => {
      const { text, names } = parseNamedSql(sql);
      const values = names.map((name) => toParameter(params[name]));
      const { rows } = await db.executeQuery(CompiledQuery.raw(text, values));
      return one ? (rows[0] ?? null) : rows;
    }),
});

/** Objects go to PostgreSQL as JSON text; `undefined` (an absent optional field) as NULL. */
function toParameter(value: unknown): unknown {
  if (value === undefined) return null;
  if (value !== null && typeof value === "object" && !(value instanceof Date) && !Array.isArray(value)) return JSON.stringify(value);
  return value;
}
