import { type Document, isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, visit, type YAMLError } from "yaml";
import type { PathSegment } from "../pipeline/template.ts";
import type { LoadIssue } from "./load-issue.ts";

/** How many alias expansions one file may make: enough for real reuse, far too few for a "billion laughs". */
const MAX_ALIAS_COUNT = 100;

/**
 * One YAML file, parsed once with positions kept, so any later stage can
 * report a problem at `path` (the keys and indexes leading to a value).
 */
export interface YamlSource {
  readonly file: string;
  /** The plain value, or undefined when the file could not be read as YAML. */
  readonly value: unknown;
  readonly issues: LoadIssue[];
  /** Reports at the value under `path`, or at its key when `atKey` (an unknown or misplaced field). */
  report(path: readonly PathSegment[], message: string, options?: { atKey?: boolean; severity?: "error" | "warning" }): void;
  /** Where the value under `path` starts (or the nearest parent that exists). */
  position(path: readonly PathSegment[]): { line: number; col: number };
  /** The position of the first key named `key` anywhere below `path` (for schema keywords ajv complains of). */
  findKey(path: readonly PathSegment[], key: string): readonly PathSegment[] | undefined;
}

export function parseYamlSource(file: string, text: string): YamlSource {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, schema: "core", strict: true });
  const issues: LoadIssue[] = [];
  const at = (offset: number, message: string, severity: "error" | "warning" = "error") => {
    const { line, col } = lineCounter.linePos(offset);
    issues.push({ file, line, col, message, severity });
  };

  for (const problem of [...doc.errors, ...doc.warnings]) {
    const message =
      problem.code === "TAG_RESOLVE_FAILED"
        ? `unsafe or unknown YAML tag: ${problem.message.replace(/^Unresolved tag: /, "").replace(/^tag:yaml\.org,2002:/, "!!")}`
        : `YAML: ${problem.message.split("\n")[0]}`;
    at(problemOffset(doc, problem), message);
  }

  let value: unknown;
  if (doc.errors.length === 0 && doc.warnings.length === 0) {
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch {
      at(firstAliasOffset(doc), `YAML: too many alias expansions (over ${MAX_ALIAS_COUNT}); refusing a possible alias bomb`);
    }
  }

  const offsetOf = (path: readonly PathSegment[], atKey: boolean): number => {
    for (let depth = path.length; depth >= 0; depth--) {
      const prefix = path.slice(0, depth);
      if (atKey && depth === path.length && depth > 0) {
        const parent = prefix.length > 1 ? doc.getIn(prefix.slice(0, -1), true) : doc.contents;
        const keyNode = keyNodeOf(parent, prefix[prefix.length - 1]);
        if (keyNode?.range) return keyNode.range[0];
        continue;
      }
      const node = (prefix.length === 0 ? doc.contents : doc.getIn(prefix, true)) as Node | undefined;
      if (node?.range) return node.range[0];
    }
    return 0;
  };

  return {
    file,
    value,
    issues,
    report(path, message, options = {}) {
      at(offsetOf(path, options.atKey ?? false), message, options.severity);
    },
    position(path) {
      return lineCounter.linePos(offsetOf(path, false));
    },
    findKey(path, key) {
      const start = path.length === 0 ? doc.contents : doc.getIn(path, true);
      return findKeyPath(start, key, [...path]);
    },
  };
}

function keyNodeOf(parent: unknown, key: PathSegment | undefined): Node | undefined {
  if (!isMap(parent)) return undefined;
  const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === key);
  return pair?.key as Node | undefined;
}

function findKeyPath(node: unknown, key: string, path: PathSegment[]): PathSegment[] | undefined {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isScalar(pair.key)) continue;
      const name = String(pair.key.value);
      if (name === key) return [...path, name];
      const found = findKeyPath(pair.value, key, [...path, name]);
      if (found) return found;
    }
  } else if (isSeq(node)) {
    for (const [index, item] of node.items.entries()) {
      const found = findKeyPath(item, key, [...path, index]);
      if (found) return found;
    }
  }
  return undefined;
}

/** Where a parse problem lies: an unclosed `{` or `[` is noticed on a later line, so point at the bracket itself. */
function problemOffset(doc: Document, problem: YAMLError): number {
  const offset = problem.pos[0];
  const kind = /^Flow (map|sequence) in block collection/.exec(problem.message)?.[1];
  if (problem.code !== "BAD_INDENT" || !kind) return offset;
  let start = offset;
  visit(doc, {
    Collection(_key, node) {
      // The innermost unclosed collection of that kind: its range ends where the parser gave up.
      if (node.flow && (kind === "map" ? isMap(node) : isSeq(node)) && node.range?.[1] === offset) start = node.range[0];
    },
  });
  return start;
}

function firstAliasOffset(doc: Document): number {
  let offset = 0;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}
