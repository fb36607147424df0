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
  description:
    "Runs one SQL statement with `:name` parameters bound from `params` (never spliced into the text) and returns its rows; with `one: true`, the first row or null.",
  options: {
    type: "object",
    properties: {
      sql: { type: "string", minLength: 1, literal: true },
      params: { type: "object", propertyNames: { pattern: "^[A-Za-z_][A-Za-z0-9_]*$" } },
      one: { type: "boolean", literal: true },
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
