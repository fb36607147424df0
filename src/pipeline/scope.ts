/**
 * What `${…}` references read from: the request's input and principal, and
 * each earlier step's result under its `as` name. Null prototype, so no
 * reference can reach Object.prototype.
 */
export type Scope = Record<string, unknown>;

/**
 * Names every endpoint can read; step names are added after them. `now` is
 * the request's clock reading; `app` holds public settings (`public_url`).
 */
export const INPUT_ROOTS = ["body", "query", "params", "auth", "request", "now", "app"] as const;

export function createScope(entries: Record<string, unknown>): Scope {
  return Object.assign(Object.create(null) as Scope, entries);
}

/** Reads a dotted path, own properties only: `__proto__` or `constructor` are just absent. */
export function readPath(root: unknown, segments: readonly string[]): unknown {
  let value = root;
  for (const segment of segments) {
    if (value === null || typeof value !== "object" || !Object.hasOwn(value, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** `when:` truthiness: like JavaScript's, except that an empty list is false too. */
export function isTruthy(value: unknown): boolean {
  return Array.isArray(value) ? value.length > 0 : Boolean(value);
}
