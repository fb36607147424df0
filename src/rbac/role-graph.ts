/** roles.yaml, prepared: every role's closure over `implies` is computed once at load. */
export interface RoleGraph {
  readonly names: ReadonlySet<string>;
  has(role: string): boolean;
  /** The role and all it implies, transitively. */
  closure(role: string): ReadonlySet<string>;
}

export interface RoleSpec {
  readonly description?: string;
  readonly implies: readonly string[];
}

/** Builds the graph. Unknown and cyclic `implies` must be rejected by the loader before this runs. */
export function createRoleGraph(specs: ReadonlyMap<string, RoleSpec>): RoleGraph {
  const closures = new Map<string, ReadonlySet<string>>();
  const visit = (role: string, seen: Set<string>): void => {
    if (seen.has(role) || !specs.has(role)) return;
    seen.add(role);
    for (const implied of specs.get(role)?.implies ?? []) visit(implied, seen);
  };
  for (const role of specs.keys()) {
    const seen = new Set<string>();
    visit(role, seen);
    closures.set(role, seen);
  }
  const names = new Set(specs.keys());
  return {
    names,
    has: (role) => names.has(role),
    closure: (role) => closures.get(role) ?? new Set(),
  };
}

/** Finds a cycle in `implies`, returned as the roles along it, or undefined. */
export function findRoleCycle(specs: ReadonlyMap<string, RoleSpec>): string[] | undefined {
  const state = new Map<string, "visiting" | "done">();
  const walk = (role: string, trail: string[]): string[] | undefined => {
    if (state.get(role) === "done" || !specs.has(role)) return undefined;
    if (state.get(role) === "visiting") return [...trail.slice(trail.indexOf(role)), role];
    state.set(role, "visiting");
    for (const implied of specs.get(role)?.implies ?? []) {
      const cycle = walk(implied, [...trail, role]);
      if (cycle) return cycle;
    }
    state.set(role, "done");
    return undefined;
  };
  for (const role of specs.keys()) {
    const cycle = walk(role, []);
    if (cycle) return cycle;
  }
  return undefined;
}
