import { createOpenApiDocument } from "../server/openapi.ts";
import { loadForCli } from "./load-for-cli.ts";

/**
 * `trellis openapi [dir]`: the app's OpenAPI 3.1 document as JSON on stdout.
 * The server is PUBLIC_URL when set, else none (clients then use the
 * document's own origin). Load problems go to stderr as `trellis check` prints them.
 */
export async function runOpenApi(args: string[]): Promise<number> {
  const { app } = await loadForCli(args);
  if (!app) return 1;
  const serverUrl = process.env.PUBLIC_URL?.replace(/\/+$/, "") || undefined;
  const document = createOpenApiDocument(app, serverUrl ? { serverUrl } : {});
  process.stdout.write(`${JSON.stringify(document, null, 2)}\n`);
  return 0;
}
