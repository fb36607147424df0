import fs from "node:fs";
import path from "node:path";
import type { AppView, EndpointView } from "../actions/define-action.ts";
import type { CompiledEndpoint } from "../pipeline/compiled-endpoint.ts";
import type { LoadedApp } from "./load-app.ts";
import { withPrefix } from "./route-from-path.ts";

const ALLOW_KEY = /^allow[ \t]*:/m;

/** The view of one loaded app that actions may read; the endpoint list is built on first use, since few requests ask for it. */
export function appView(app: LoadedApp): AppView {
  let endpoints: Promise<readonly EndpointView[]> | undefined;
  return {
    roleSpecs: app.roleSpecs,
    endpoints() {
      endpoints ??= describeEndpoints(app);
      return endpoints;
    },
  };
}

async function describeEndpoints(app: LoadedApp): Promise<readonly EndpointView[]> {
  const views = await Promise.all(app.endpoints.map((endpoint) => describeEndpoint(app, endpoint)));
  return views.sort((a, b) => compareText(a.path, b.path) || compareText(a.method, b.method));
}

async function describeEndpoint(app: LoadedApp, endpoint: CompiledEndpoint): Promise<EndpointView> {
  return {
    method: endpoint.method.toUpperCase(),
    path: withPrefix(app.settings.prefix, endpoint.pattern).replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, "{$1}"),
    allow: endpoint.allow,
    summary: endpoint.summary ?? null,
    file: path.relative(app.dir, endpoint.file).split(path.sep).join("/"),
    line: await allowLine(endpoint.file),
  };
}

/** The line of the top-level `allow:` (every endpoint file has one); 1 if the file changed or went since it loaded. */
async function allowLine(file: string): Promise<number> {
  const text = await fs.promises.readFile(file, "utf8").catch(() => "");
  const match = ALLOW_KEY.exec(text);
  return match ? text.slice(0, match.index).split("\n").length : 1;
}

// Code-point order, the same on every machine (not the locale's).
const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
