import path from "node:path";
import type { AnyAction } from "../actions/define-action.ts";
import { builtinActions } from "../actions/registry.ts";
import { createEndpointSchema } from "../loader/endpoint-schema.ts";
import { loadAppActions } from "../loader/load-actions.ts";
import { formatIssue } from "../loader/load-issue.ts";
import { appDirFrom } from "./load-for-cli.ts";

/** The actions an app's endpoint files may use: the built-ins and the app's own `actions/`. */
export async function appActions(dir: string): Promise<{ actions: Map<string, AnyAction>; issues: string[] }> {
  const own = await loadAppActions(path.join(dir, "actions"), builtinActions);
  return { actions: new Map([...builtinActions, ...own.actions]), issues: own.issues.map((issue) => formatIssue(issue)) };
}

/**
 * `trellis schema [dir]`: prints the JSON Schema of an endpoint file, with
 * the app's own actions beside the built-ins, for an editor, e.g.
 * `trellis schema > schema/endpoint.schema.json` and, atop each file,
 * `# yaml-language-server: $schema=../schema/endpoint.schema.json`.
 */
export async function runSchema(args: string[]): Promise<number> {
  const { actions, issues } = await appActions(appDirFrom(args));
  if (issues.length > 0) {
    for (const line of issues) process.stderr.write(`${line}\n`);
    process.stderr.write("\nFix the actions above first: a schema without them would flag every step that uses them.\n");
    return 1;
  }
  process.stdout.write(`${JSON.stringify(createEndpointSchema(actions), null, 2)}\n`);
  return 0;
}
