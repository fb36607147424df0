import path from "node:path";
import { type LoadResult, loadApp } from "../loader/load-app.ts";
import { formatIssue } from "../loader/load-issue.ts";

/** `[dir]`, else APP_DIR, else the current folder. */
export const appDirFrom = (args: readonly string[]): string => path.resolve(args[0] ?? process.env.APP_DIR ?? ".");

/**
 * Loads the app named by `[dir]` for a command, printing every problem to
 * stderr as `file:line:col message` and, when there are errors, their count.
 */
export async function loadForCli(args: readonly string[]): Promise<LoadResult> {
  const result = await loadApp(appDirFrom(args));
  for (const issue of result.issues) process.stderr.write(`${formatIssue(issue)}\n`);
  if (!result.app) {
    const errors = result.issues.filter((issue) => issue.severity === "error").length;
    const warnings = result.issues.length - errors;
    process.stderr.write(`\n${errors} error(s)${warnings > 0 ? ` and ${warnings} warning(s)` : ""} found.\n`);
  }
  return result;
}
