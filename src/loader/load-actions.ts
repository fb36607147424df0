import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { AnyAction } from "../actions/define-action.ts";
import type { LoadIssue } from "./load-issue.ts";

const ACTION_FILE = /^([a-z][a-z0-9-]*)\.(ts|js|mjs)$/;
const moduleCache = createRequire(import.meta.url).cache;

/**
 * An app's own actions: each file in `actions/` default-exports one
 * `defineAction({…})` whose name is the file's name. `version` makes the
 * import fresh, so a reload sees the edited file.
 */
export async function loadAppActions(
  dir: string,
  builtins: ReadonlyMap<string, AnyAction>,
  version = 0,
): Promise<{ actions: Map<string, AnyAction>; issues: LoadIssue[] }> {
  const actions = new Map<string, AnyAction>();
  const issues: LoadIssue[] = [];
  if (!fs.existsSync(dir)) return { actions, issues };
  const fail = (file: string, message: string) => issues.push({ file, line: 1, col: 1, message, severity: "error" });

  for (const entry of fs.readdirSync(dir).sort()) {
    if (entry.endsWith(".d.ts") || /\.test\.[jt]s$/.test(entry)) continue;
    const file = path.join(dir, entry);
    if (!fs.statSync(file).isFile()) continue;
    const match = ACTION_FILE.exec(entry);
    if (!match) {
      if (/\.(ts|js|mjs)$/.test(entry)) fail(file, "an action file name must be kebab-case, like send-sms.ts");
      continue;
    }
    const name = match[1] as string;
    let action: unknown;
    try {
      const url = pathToFileURL(file);
      if (version > 0) {
        // A new query string makes ESM load the file afresh; a file Node reads as CommonJS sits in require's cache instead.
        url.searchParams.set("v", String(version));
        delete moduleCache[file];
      }
      action = ((await import(url.href)) as { default?: unknown }).default;
    } catch (error) {
      fail(file, `could not load the action: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
      continue;
    }
    const problem = describeProblem(action, name, builtins);
    if (problem) fail(file, problem);
    else actions.set(name, action as AnyAction);
  }
  return { actions, issues };
}

function describeProblem(action: unknown, name: string, builtins: ReadonlyMap<string, AnyAction>): string | undefined {
  if (action === null || typeof action !== "object") return "the file must `export default defineAction({…})`";
  const candidate = action as Partial<AnyAction>;
  if (typeof candidate.run !== "function") return "the action has no run(ctx, options) function";
  if (typeof candidate.description !== "string") return "the action needs a description";
  if (candidate.options === null || typeof candidate.options !== "object") return "the action needs an options JSON Schema";
  if (candidate.name !== name) return `the action is named "${String(candidate.name)}" but its file says "${name}"`;
  if (builtins.has(name)) return `"${name}" is a built-in action; choose another name`;
  return undefined;
}
