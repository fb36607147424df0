/** SQL with `:name` parameters, turned into PostgreSQL's `$1…` once per distinct text. */
export interface NamedSql {
  readonly text: string;
  /** Parameter names in `$n` order. */
  readonly names: readonly string[];
}

// Quoted strings, quoted identifiers, comments and `::` casts are skipped; only a bare `:name` is a parameter.
const TOKEN = /'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\/|::|:([A-Za-z_][A-Za-z0-9_]*)/g;

const cache = new Map<string, NamedSql>();

export function parseNamedSql(sql: string): NamedSql {
  const cached = cache.get(sql);
  if (cached) return cached;
  const names: string[] = [];
  const text = sql.replace(TOKEN, (token, name: string | undefined) => {
    if (name === undefined) return token;
    let index = names.indexOf(name);
    if (index < 0) index = names.push(name) - 1;
    return `$${index + 1}`;
  });
  const parsed = { text, names };
  cache.set(sql, parsed);
  return parsed;
}
