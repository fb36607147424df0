import path from "node:path";
import { loadApp } from "../loader/load-app.ts";
import { formatIssue } from "../loader/load-issue.ts";
import { createOpenApiDocument } from "../server/openapi.ts";

/**
 * `trellis openapi [dir]`: the app's OpenAPI 3.1 document as JSON on stdout.
 * The server is PUBLIC_URL when set, else none (clients then use the
 * document's own origin). Load problems go to stderr as `trellis check` prints them.
 */
export async function runOpenApi(args: string[]): Promise<number> {
  const dir = path.resolve(args[0] ?? process.env.APP_DIR ?? ".");
  const { app, issues } = await loadApp(dir);
  for (const issue of issues) process.stderr.write(`${formatIssue(issue)}\n`);
  if (!app) {
    const errors = issues.filter((issue) => issue.severity === "error").length;
    process.stderr.write(`\n${errors} error(s) found.\n`);
    return 1;
  }
  const serverUrl = process.env.PUBLIC_URL?.replace(/\/+$/, "") || undefined;
  const document = createOpenApiDocument(app, serverUrl ? { serverUrl } : {});
  process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  return 0;
}
