import { isTruthy, readPath, type Scope } from "./scope.ts";

/** A value prepared at load: reading it for a request is a walk over closures, no parsing. */
export type Resolver = (scope: Scope) => unknown;

export type PathSegment = string | number;

export interface TemplateEnv {
  /** Names a reference may start with at this point of the pipeline. */
  readonly roots: ReadonlySet<string>;
  report(path: readonly PathSegment[], message: string): void;
  /** Applied to every value interpolated into a longer text (e.g. HTML escaping); whole references keep their value. */
  readonly escape?: (text: string) => string;
  /** Told the root of every reference compiled (e.g. a step's `as` name), so the loader can flag names nothing reads. */
  readonly use?: (root: string) => void;
  /** The fields a root is known to have (an input schema that allows no others): a reference to another is a load error. */
  readonly fields?: ReadonlyMap<string, ReadonlySet<string>>;
}

const REFERENCE = /\$\{([^}]*)\}/g;
const WHOLE_REFERENCE = /^\$\{([^}]*)\}$/;
const EXPRESSION = /^\s*(!?)\s*([A-Za-z_][A-Za-z0-9_]*(?:\.(?:[A-Za-z_][A-Za-z0-9_-]*|\d+))*)\s*$/;

/** True when a YAML value is exactly one reference, e.g. `"${user.roles}"`. */
export const isWholeReference = (value: unknown): value is string => typeof value === "string" && WHOLE_REFERENCE.test(value);

/**
 * Compiles a YAML value into a resolver. A string that is one whole
 * reference keeps the referenced value's type; references inside a longer
 * string are interpolated; `$${` writes a literal `${`. Objects and lists
 * are compiled member by member; a value without references resolves to itself.
 */
export function compileTemplate(value: unknown, env: TemplateEnv, path: readonly PathSegment[] = []): Resolver {
  if (typeof value === "string") return compileString(value, env, path);
  if (Array.isArray(value)) {
    const items = value.map((item, index) => compileTemplate(item, env, [...path, index]));
    if (items.every(isConstant)) return constant(value);
    return (scope) => items.map((item) => item(scope));
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(([key, item]) => [key, compileTemplate(item, env, [...path, key])] as const);
    if (entries.every(([, item]) => isConstant(item))) return constant(value);
    return (scope) => {
      const out: Record<string, unknown> = {};
      for (const [key, item] of entries) out[key] = item(scope);
      return out;
    };
  }
  return constant(value);
}

const CONSTANT = Symbol("constant");
type ConstantResolver = Resolver & { [CONSTANT]?: true };

function constant(value: unknown): Resolver {
  const resolver: ConstantResolver = () => value;
  resolver[CONSTANT] = true;
  return resolver;
}

export const isConstant = (resolver: Resolver): boolean => (resolver as ConstantResolver)[CONSTANT] === true;

function compileString(text: string, env: TemplateEnv, path: readonly PathSegment[]): Resolver {
  if (!text.includes("${")) return constant(text);
  const whole = WHOLE_REFERENCE.exec(text);
  if (whole && !text.startsWith("$${")) {
    const read = compileExpression(whole[1] ?? "", env, path) ?? constant(undefined);
    const escapeText = env.escape;
    // In an escaped context even a whole reference is text to escape, never markup.
    return escapeText ? (scope) => escapeText(stringify(read(scope))) : read;
  }

  const parts: (string | Resolver)[] = [];
  let last = 0;
  for (const match of text.matchAll(REFERENCE)) {
    const start = match.index;
    if (start > 0 && text[start - 1] === "$") {
      parts.push(text.slice(last, start - 1), match[0]);
    } else {
      parts.push(text.slice(last, start));
      const resolver = compileExpression(match[1] ?? "", env, path);
      if (resolver) parts.push(resolver);
    }
    last = start + match[0].length;
  }
  parts.push(text.slice(last));
  const pieces = parts.filter((part) => part !== "");
  if (pieces.every((part) => typeof part === "string")) return constant(pieces.join(""));
  const escapeText = env.escape ?? ((text: string) => text);
  return (scope) => {
    let out = "";
    for (const piece of pieces) out += typeof piece === "string" ? piece : escapeText(stringify(piece(scope)));
    return out;
  };
}

function compileExpression(expression: string, env: TemplateEnv, path: readonly PathSegment[]): Resolver | undefined {
  const match = EXPRESSION.exec(expression);
  if (!match) {
    env.report(path, `invalid reference "\${${expression}}": write a dotted name like \${body.email} or \${!user}`);
    return undefined;
  }
  const negate = match[1] === "!";
  const [root, ...rest] = (match[2] ?? "").split(".");
  if (root === undefined || !env.roots.has(root)) {
    const known = [...env.roots].join(", ");
    env.report(path, `unknown reference "\${${match[2]}}": "${root}" is not defined here (known: ${known})`);
    return undefined;
  }
  env.use?.(root);
  const known = env.fields?.get(root);
  const field = rest[0];
  if (known && field !== undefined && !known.has(field)) {
    env.report(path, `unknown reference "\${${match[2]}}": ${root} has no field "${field}" (it has ${[...known].join(", ") || "none"})`);
    return undefined;
  }
  const read: Resolver = rest.length === 0 ? (scope) => scope[root] : (scope) => readPath(scope[root], rest);
  return negate ? (scope) => !isTruthy(read(scope)) : read;
}

function stringify(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

const HTML_ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** For values interpolated into HTML: text and attribute contexts alike. */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => HTML_ENTITIES[char] ?? char);
