import fs from "node:fs";
import { createRoleGraph, findRoleCycle, type RoleGraph, type RoleSpec } from "../rbac/role-graph.ts";
import type { LoadIssue } from "./load-issue.ts";
import { didYouMean } from "./suggest.ts";
import { parseYamlSource, type YamlSource } from "./yaml-source.ts";

/** What a role may be called: also the editor schema's pattern for `allow:`. */
export const ROLE_NAME = /^[a-z][a-z0-9_-]*$/;
const RESERVED = new Set(["public", "authenticated"]);
const ROLE_KEYS = ["description", "implies"];

/**
 * roles.yaml: a map of role name → `{ description?, implies?: [role…] }`.
 * A missing file declares no roles. `source` is the parsed file, for
 * warnings found later (a role nothing uses); `issues` is its issue list.
 */
export function loadRoles(file: string): { graph: RoleGraph; specs: Map<string, RoleSpec>; issues: LoadIssue[]; source?: YamlSource } {
  const specs = new Map<string, RoleSpec>();
  if (!fs.existsSync(file)) return { graph: createRoleGraph(specs), specs, issues: [] };
  const source = parseYamlSource(file, fs.readFileSync(file, "utf8"));
  const value = source.value ?? {};
  if (source.issues.length > 0) return { graph: createRoleGraph(specs), specs, issues: source.issues, source };
  if (typeof value !== "object" || Array.isArray(value)) {
    source.report([], "roles.yaml must be a map of role name to { description, implies }");
    return { graph: createRoleGraph(specs), specs, issues: source.issues, source };
  }

  for (const [name, raw] of Object.entries(value as Record<string, unknown>)) {
    if (!ROLE_NAME.test(name) || RESERVED.has(name)) {
      source.report([name], `"${name}" cannot be a role name: use lower-case letters, digits, _ and -, and not public or authenticated`, {
        atKey: true,
      });
      continue;
    }
    const spec = raw ?? {};
    if (typeof spec !== "object" || Array.isArray(spec)) {
      source.report([name], "a role is a map with description and/or implies");
      continue;
    }
    const record = spec as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!ROLE_KEYS.includes(key)) source.report([name, key], `unknown field "${key}"${didYouMean(key, ROLE_KEYS)}`, { atKey: true });
    }
    const implies = record.implies ?? [];
    if (!Array.isArray(implies) || !implies.every((role) => typeof role === "string")) {
      source.report([name, "implies"], "implies must be a list of role names");
      continue;
    }
    const description = typeof record.description === "string" ? record.description : undefined;
    specs.set(name, { implies, ...(description ? { description } : {}) });
  }

  for (const [name, spec] of specs) {
    spec.implies.forEach((implied, index) => {
      if (!specs.has(implied)) source.report([name, "implies", index], `unknown role "${implied}"${didYouMean(implied, specs.keys())}`);
    });
  }
  const cycle = findRoleCycle(specs);
  if (cycle) source.report([cycle[0] as string, "implies"], `roles imply each other in a circle: ${cycle.join(" → ")}`);
  return { graph: createRoleGraph(specs), specs, issues: source.issues, source };
}
