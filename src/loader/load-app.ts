import fs from "node:fs";
import path from "node:path";
import type { AnyAction } from "../actions/define-action.ts";
import { builtinActions } from "../actions/registry.ts";
import type { CompiledEndpoint } from "../pipeline/compiled-endpoint.ts";
import type { RoleGraph, RoleSpec } from "../rbac/role-graph.ts";
import { createAjv } from "./ajv.ts";
import { compileEndpoint } from "./compile-endpoint.ts";
import { OptionsChecker } from "./compile-options.ts";
import { lintRoles, type RoleUse } from "./lint.ts";
import { loadAppActions } from "./load-actions.ts";
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
}

/** Reads and checks everything in `dir`; every problem in every file is reported, not just the first. */
export async function loadApp(dir: string, options: { version?: number } = {}): Promise<LoadResult> {
  const issues: LoadIssue[] = [];
  const roles = loadRoles(path.join(dir, "roles.yaml"));
  const { settings, issues: settingsIssues } = loadSettings(path.join(dir, "trellis.yaml"));
  issues.push(...settingsIssues);

  const own = await loadAppActions(path.join(dir, "actions"), builtinActions, options.version);
  issues.push(...own.issues);
  const actions = new Map<string, AnyAction>([...builtinActions, ...own.actions]);

  const optionsChecker = new OptionsChecker(createAjv());
  for (const [name, action] of own.actions) {
    try {
      optionsChecker.validatorFor(action);
    } catch (error) {
      actions.delete(name);
      const file = own.files.get(name) ?? path.join(dir, "actions");
      issues.push({ file, line: 1, col: 1, message: `invalid options schema: ${(error as Error).message}`, severity: "error" });
    }
  }

  const env = {
    actions,
    options: optionsChecker,
    check: { roles: roles.graph },
    roles: roles.graph,
    bodyAjv: createAjv(),
    textAjv: createAjv({ coerceTypes: "array", removeAdditional: true }),
  };

  const endpointsDir = path.join(dir, "endpoints");
  const endpoints: CompiledEndpoint[] = [];
  const roleUses: RoleUse[] = [];
  const routes = new Map<string, string>();
  if (!fs.existsSync(endpointsDir)) {
    issues.push({ file: endpointsDir, line: 1, col: 1, message: "no endpoints/ folder here: is this a trellis app?", severity: "error" });
  }
  for (const file of fs.existsSync(endpointsDir) ? listYamlFiles(endpointsDir) : []) {
    const relative = path.relative(endpointsDir, file);
    if (fs.statSync(file).size > MAX_FILE_BYTES) {
      issues.push({ file, line: 1, col: 1, message: "file is larger than 1 MiB", severity: "error" });
      continue;
    }
    const source = parseYamlSource(file, fs.readFileSync(file, "utf8"));
    const route = routeFromPath(relative);
    if (typeof route === "string") {
      source.report([], route);
    } else {
      const key = `${route.method.toUpperCase()} ${routeShape(route.pattern)}`;
      const owner = routes.get(key);
      if (owner) source.report([], `${route.method.toUpperCase()} ${route.pattern} is already defined by ${path.relative(dir, owner)}`);
      else routes.set(key, file);
      if (source.value !== undefined && !owner) {
        const endpoint = compileEndpoint(source, route, env);
        if (endpoint) {
          endpoints.push(endpoint);
          roleUses.push({ allow: endpoint.allow, steps: (source.value as Record<string, unknown>).steps });
        }
      }
    }
    issues.push(...source.issues);
  }

  // Whether a role is used depends on every endpoint: only an app without errors can tell.
  const isError = (issue: LoadIssue) => issue.severity === "error";
  if (roles.source && !issues.some(isError) && !roles.issues.some(isError)) lintRoles(roles.source, roles.graph, roleUses);
  issues.push(...roles.issues);

  issues.sort(compareIssues);
  const failed = issues.some((issue) => issue.severity === "error");
  return { app: failed ? undefined : { dir, endpoints, roles: roles.graph, roleSpecs: roles.specs, actions, settings }, issues };
}

function listYamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listYamlFiles(full));
    else if (entry.isFile() && /\.ya?ml$/.test(entry.name)) out.push(full);
  }
  return out;
}
