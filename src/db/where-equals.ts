import type { Expression, ExpressionBuilder, SqlBool } from "kysely";

/** `{ a: 1, b: null }` → `a = 1 and b is null`: the only filter the table actions take; richer ones go through db.query. */
export function whereEquals(where: Record<string, unknown>) {
  // biome-ignore lint/suspicious/noExplicitAny: tables are named in YAML, not known to the type system
  return (eb: ExpressionBuilder<any, any>): Expression<SqlBool> =>
    eb.and(Object.entries(where).map(([column, value]) => (value === null ? eb(column, "is", null) : eb(column, "=", value))));
}
