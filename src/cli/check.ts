import { builtinActions } from "../actions/registry.ts";
import { loadForCli } from "./load-for-cli.ts";

/** `trellis check [dir]`: every problem as `file:line:col message`; exit 1 on any error, 0 when there are only warnings. */
export async function runCheck(args: string[]): Promise<number> {
  const { app, issues } = await loadForCli(args);
  if (!app) return 1;
  const own = app.actions.size - builtinActions.size;
  const warnings = issues.length > 0 ? ` (${issues.length} warning(s))` : "";
  process.stdout.write(`ok: ${app.endpoints.length} route(s), ${own} custom action(s), ${app.roles.names.size} role(s)${warnings}\n`);
  return 0;
}
