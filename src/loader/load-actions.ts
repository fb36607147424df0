import fs from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { AnyAction } from "../actions/define-action.ts";
import { ACTION_MARK, registerEngineModule } from "./engine-module.ts";
import type { LoadIssue } from "./load-issue.ts";

const ACTION_FILE = /^([a-z][a-z0-9-]*)\.(ts|mts|js|mjs)$/;
const SOURCE_FILE = /\.(ts|mts|js|mjs)$/;

/**
 * An app's own actions: each file in `actions/` default-exports one
 * `defineAction({…})` whose name is the file's name. It is an ES module
 * wherever the folder is, and its `import … from "trellis"` is this engine.
 * `version` makes the import fresh, so a reload sees the edited file.
 */
export async function loadAppActions(
  dir: string,
  builtins: ReadonlyMap<string, AnyAction>,
  version = 0,
): Promise<{ actions: Map<string, AnyAction>; files: Map<string, string>; issues: LoadIssue[] }> {
  const actions = new Map<string, AnyAction>();
  const files = new Map<string, string>();
  const issues: LoadIssue[] = [];
  if (!fs.existsSync(dir)) return { actions, files, issues };
  registerEngineModule();
  const fail = (file: string, message: string) => issues.push({ file, line: 1, col: 1, message, severity: "error" });

  for (const entry of fs.readdirSync(dir).sort()) {
    if (/\.d\.m?ts$/.test(entry) || /\.test\.m?[jt]s$/.test(entry)) continue;
    const file = path.join(dir, entry);
    if (!fs.statSync(file).isFile()) continue;
    const match = ACTION_FILE.exec(entry);
    if (!match) {
      if (SOURCE_FILE.test(entry)) fail(file, "an action file name must be kebab-case, like send-sms.ts");
      continue;
    }
    const name = match[1] as string;
    const earlier = files.get(name);
    if (earlier) {
      fail(file, `action "${name}" is already defined by ${path.basename(earlier)}`);
      continue;
    }
    let action: unknown;
    try {
      const url = pathToFileURL(file);
      url.searchParams.set(ACTION_MARK, "");
      // A new query string makes ESM load the file afresh.
      if (version > 0) url.searchParams.set("v", String(version));
      action = ((await import(url.href)) as { default?: unknown }).default;
    } catch (error) {
      fail(file, `could not load the action: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
      continue;
    }
    const problem = describeProblem(action, name, builtins);
    if (problem) fail(file, problem);
    else {
      actions.set(name, action as AnyAction);
      files.set(name, file);
    }
  }
  return { actions, files, issues };
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
