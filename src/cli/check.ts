import path from "node:path";
import { builtinActions } from "../actions/registry.ts";
import { loadApp } from "../loader/load-app.ts";
import { formatIssue } from "../loader/load-issue.ts";

/** `trellis check [dir]`: every problem as `file:line:col message`; exit 1 on any error, 0 when there are only warnings. */
export async function runCheck(args: string[]): Promise<number> {
  const dir = path.resolve(args[0] ?? process.env.APP_DIR ?? ".");
  const { app, issues } = await loadApp(dir);
  for (const issue of issues) process.stderr.write(`${formatIssue(issue)}\n`);
  if (!app) {
    const errors = issues.filter((issue) => issue.severity === "error").length;
    const warnings = issues.length - errors;
    process.stderr.write(`\n${errors} error(s)${warnings > 0 ? ` and ${warnings} warning(s)` : ""} found.\n`);
    return 1;
  }
  const own = app.actions.size - builtinActions.size;
  const warnings = issues.length > 0 ? ` (${issues.length} warning(s))` : "";
  process.stdout.write(`ok: ${app.endpoints.length} route(s), ${own} custom action(s), ${app.roles.names.size} role(s)${warnings}\n`);
  return 0;
}
