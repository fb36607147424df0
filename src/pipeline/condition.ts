import { compileTemplate, type PathSegment, type Resolver, type TemplateEnv } from "./template.ts";

// `${a} == ${b}`, `${a} != "text"`: one comparison, each side a reference or a literal.
const COMPARISON = /^\s*(\$\{[^}]*\}|"[^"]*"|'[^']*'|[^\s"'=!]+)\s*(==|!=)\s*(\$\{[^}]*\}|"[^"]*"|'[^']*'|[^\s"'=!]+)\s*$/;

/**
 * Compiles a `when:` condition: a value whose truthiness decides (`${user}`,
 * `${!user}`), or one comparison (`${article.author_id} != ${auth.sub}`).
 * Compared values are read as text, so the number 5 equals "5"; null or an
 * absent value equals only null or absent.
 */
export function compileCondition(raw: string | boolean, env: TemplateEnv, path: readonly PathSegment[]): Resolver {
  const match = typeof raw === "string" ? COMPARISON.exec(raw) : null;
  if (!match) return compileTemplate(raw, env, path);
  const left = compileSide(match[1] ?? "", env, path);
  const right = compileSide(match[3] ?? "", env, path);
  const equal = (scope: Parameters<Resolver>[0]) => sameValue(left(scope), right(scope));
  return match[2] === "==" ? equal : (scope) => !equal(scope);
}

function compileSide(text: string, env: TemplateEnv, path: readonly PathSegment[]): Resolver {
  const quoted = /^(["'])(.*)\1$/.exec(text);
  return compileTemplate(quoted ? (quoted[2] ?? "") : text, env, path);
}

function sameValue(a: unknown, b: unknown): boolean {
  const absent = (value: unknown) => value === null || value === undefined;
  if (absent(a) || absent(b)) return absent(a) && absent(b);
  return String(a) === String(b);
}
