import { defineAction } from "./define-action.ts";

/** One role as the admin page shows it. */
export interface RoleView {
  readonly name: string;
  readonly description: string | null;
  /** The roles it implies directly, as roles.yaml lists them. */
  readonly implies: readonly string[];
  /** The roles that imply it directly. */
  readonly implied_by: readonly string[];
  /** Users granted it directly (not through a role that implies it). */
  readonly holders: number;
  /** True for `authenticated` and `public`, which roles.yaml cannot declare and nobody is granted. */
  readonly builtin: boolean;
}

const BUILTIN_ROLES: readonly RoleView[] = [
  { name: "authenticated", description: "Anyone signed in", implies: [], implied_by: [], holders: 0, builtin: true },
  { name: "public", description: "Anyone, signed in or not", implies: [], implied_by: [], holders: 0, builtin: true },
];

export default defineAction<Record<string, never>, RoleView[]>({
  name: "list-roles",
  readsOnly: true,
  description:
    "Lists the roles of `roles.yaml` as the app loaded them (after a `trellis dev` reload, the new ones), in the file's order, each with its description, the roles it implies and is implied by directly, and how many users are granted it directly. `authenticated` and `public`, which `allow:` accepts but no one is granted, come last with `builtin: true`.",
  result: "A list of `{ name, description, implies, implied_by, holders, builtin }`.",
  example: `# endpoints/admin/roles.get.yaml
allow: [admin]
steps:
  - list-roles: {}
    as: roles
response:
  body: { roles: "\${roles}" }
`,
  options: { type: "object", properties: {}, additionalProperties: false },
  async run({ db, services }) {
    const specs = services.app.roleSpecs;
    const names = [...specs.keys()];
    const counts =
      names.length === 0
        ? []
        : await db
            .selectFrom("user_roles")
            .select((eb) => ["role", eb.fn.countAll().as("holders")])
            .where("role", "in", names)
            .groupBy("role")
            .execute();
    const holders = new Map(counts.map((row) => [row.role, Number(row.holders)]));
    const declared = names.map((name) => ({
      name,
      description: specs.get(name)?.description ?? null,
      implies: [...(specs.get(name)?.implies ?? [])],
      implied_by: names.filter((other) => specs.get(other)?.implies.includes(name)),
      holders: holders.get(name) ?? 0,
      builtin: false,
    }));
    return [...declared, ...BUILTIN_ROLES.map((role) => ({ ...role }))];
  },
});
