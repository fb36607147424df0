import fs from "node:fs";
import path from "node:path";
import type { AnyAction } from "../actions/define-action.ts";
import { builtinActions } from "../actions/registry.ts";
import type { CompiledEndpoint } from "../pipeline/compiled-endpoint.ts";
import type { RoleGraph, RoleSpec } from "../rbac/role-graph.ts";
import { createAjv } from "./ajv.ts";
import { compileEndpoint, type EndpointEnv } from "./compile-endpoint.ts";
import { OptionsChecker } from "./compile-options.ts";
import { lintRoles, type RoleUse } from "./lint.ts";
import { loadAppActions } from "./load-actions.ts";
import { contextStamp, type FileEntry, fileStamp, type LoadCache } from "./load-cache.ts";
import { compareIssues, type LoadIssue } from "./load-issue.ts";
import { loadRoles } from "./load-roles.ts";
import { type AppSettings, loadSettings } from "./load-settings.ts";
import { routeFromPath, routeShape } from "./route-from-path.ts";
import { parseYamlSource } from "./yaml-source.ts";

const MAX_FILE_BYTES = 1024 * 1024;

/** An app folder, checked and compiled. */
export interface LoadedApp {
  readonly dir: string;
  readonly endpoints: readonly CompiledEndpoint[];
  readonly roles: RoleGraph;
  readonly roleSpecs: ReadonlyMap<string, RoleSpec>;
  readonly actions: ReadonlyMap<string, AnyAction>;
  readonly settings: AppSettings;
}

export interface LoadResult {
  /** Present when there is no error (warnings allowed). */
  readonly app: LoadedApp | undefined;
  readonly issues: readonly LoadIssue[];
  /** Give it to the next load of the same folder, so that only changed files are compiled again. */
  readonly cache: LoadCache;
  /** False when the cache given held every file as it is: nothing was read or compiled again. */
  readonly changed: boolean;
}

export interface LoadOptions {
  /** Makes the import of changed actions fresh (`trellis dev`). */
  readonly version?: number;
  readonly cache?: LoadCache | undefined;
}

/** Reads and checks everything in `dir`; every problem in every file is reported, not just the first. */
export async function loadApp(dir: string, options: LoadOptions = {}): Promise<LoadResult> {
  const issues: LoadIssue[] = [];
  const roles = loadRoles(path.join(dir, "roles.yaml"));
  const { settings, issues: settingsIssues } = loadSettings(path.join(dir, "trellis.yaml"));
  issues.push(...settingsIssues);

  const context = contextStamp(dir);
  const reuse = options.cache?.context === context ? options.cache : undefined;
  const { env, ownActions } = reuse ?? (await prepareEnv(dir, roles.graph, options.version));
  issues.push(...ownActions.issues);

  const endpointsDir = path.join(dir, "endpoints");
  const endpoints: CompiledEndpoint[] = [];
  const roleUses: RoleUse[] = [];
  const routes = new Map<string, string>();
  const files = new Map<string, FileEntry>();
  let changed = reuse === undefined;
  if (!fs.existsSync(endpointsDir)) {
    issues.push({ file: endpointsDir, line: 1, col: 1, message: "no endpoints/ folder here: is this a trellis app?", severity: "error" });
  }
  const yamlFiles = fs.existsSync(endpointsDir) ? listYamlFiles(endpointsDir) : [];
  // Together, so the thread pool stats them side by side: most of a reload of a large app is this.
  const stats = await Promise.all(yamlFiles.map((file) => fs.promises.stat(file)));
  for (const [index, file] of yamlFiles.entries()) {
    const route = routeFromPath(path.relative(endpointsDir, file));
    const key = typeof route === "string" ? undefined : `${route.method.toUpperCase()} ${routeShape(route.pattern)}`;
    const owner = key === undefined ? undefined : routes.get(key);
    if (key !== undefined && !owner) routes.set(key, file);
    const stat = stats[index] as fs.Stats;
    const stamp = fileStamp(stat);
    const cached = reuse?.files.get(file);
    // A duplicate route is reported afresh on every load: which file owns it depends on the others.
    const entry =
      cached?.stamp === stamp && !owner
        ? cached
        : compileFile(file, stat.size, stamp, route, owner === undefined ? undefined : path.relative(dir, owner), env);
    if (entry !== cached) changed = true;
    if (!owner) files.set(file, entry);
    if (entry.endpoint) endpoints.push(entry.endpoint);
    if (entry.roleUse) roleUses.push(entry.roleUse);
    issues.push(...entry.issues);
  }

  // Whether a role is used depends on every endpoint: only an app without errors can tell.
  const isError = (issue: LoadIssue) => issue.severity === "error";
  if (roles.source && !issues.some(isError) && !roles.issues.some(isError)) lintRoles(roles.source, roles.graph, roleUses);
  issues.push(...roles.issues);

  issues.sort(compareIssues);
  const failed = issues.some((issue) => issue.severity === "error");
  const app = failed ? undefined : { dir, endpoints, roles: roles.graph, roleSpecs: roles.specs, actions: env.actions, settings };
  if (reuse && files.size !== reuse.files.size) changed = true;
  return { app, issues, cache: { context, env, ownActions, files }, changed };
}

/** The app's actions beside the built-ins, and the ajv instances every endpoint file is compiled with. */
async function prepareEnv(dir: string, roles: RoleGraph, version: number | undefined): Promise<Pick<LoadCache, "env" | "ownActions">> {
  const own = await loadAppActions(path.join(dir, "actions"), builtinActions, version);
  const issues = [...own.issues];
  const actions = new Map<string, AnyAction>([...builtinActions, ...own.actions]);
  const optionsChecker = new OptionsChecker(createAjv());
  for (const [name, action] of own.actions) {
    try {
      optionsChecker.validatorFor(action);
    } catch (error) {
      actions.delete(name);
      own.actions.delete(name);
      const file = own.files.get(name) ?? path.join(dir, "actions");
      issues.push({ file, line: 1, col: 1, message: `invalid options schema: ${(error as Error).message}`, severity: "error" });
    }
  }
  const env: EndpointEnv = {
    actions,
    options: optionsChecker,
    check: { roles },
    roles,
    bodyAjv: createAjv(),
    textAjv: createAjv({ coerceTypes: "array", removeAdditional: true }),
  };
  return { env, ownActions: { actions: own.actions, issues } };
}

function compileFile(
  file: string,
  size: number,
  stamp: string,
  route: ReturnType<typeof routeFromPath>,
  duplicateOf: string | undefined,
  env: EndpointEnv,
): FileEntry {
  if (size > MAX_FILE_BYTES) {
    return {
      stamp,
      endpoint: undefined,
      roleUse: undefined,
      issues: [{ file, line: 1, col: 1, message: "file is larger than 1 MiB", severity: "error" }],
    };
  }
  const source = parseYamlSource(file, fs.readFileSync(file, "utf8"));
  let endpoint: CompiledEndpoint | undefined;
  if (typeof route === "string") source.report([], route);
  else if (duplicateOf) source.report([], `${route.method.toUpperCase()} ${route.pattern} is already defined by ${duplicateOf}`);
  else if (source.value !== undefined) endpoint = compileEndpoint(source, route, env);
  const roleUse = endpoint ? { allow: endpoint.allow, steps: (source.value as Record<string, unknown>).steps } : undefined;
  return { stamp, endpoint, roleUse, issues: source.issues };
}

const byName = new Intl.Collator().compare;

function listYamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => byName(a.name, b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listYamlFiles(full));
    else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) out.push(full);
  }
  return out;
}
