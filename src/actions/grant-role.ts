import { mapDatabaseErrors } from "../db/map-database-errors.ts";
import { defineAction } from "./define-action.ts";
import { checkLiteralRole, type RoleOptions, requireKnownRole, roleOptionsSchema } from "./options/role-options.ts";

export default defineAction<RoleOptions, { granted: boolean }>({
  name: "grant-role",
  description:
    "Gives a user a role from `roles.yaml`. If the user already has it, nothing happens. A role written out that `roles.yaml` does not declare is a load error. A computed one (for example from the path) is 400 `unknown_role`. Roles travel in the access token, so the user has the role from their next token on.",
  result: "`{ granted }`: `false` if the user already had the role.",
  example: `# endpoints/admin/make-admin.post.yaml
allow: [admin]
input:
  body:
    user: { type: string, format: uuid }
steps:
  - grant-role: { user: "\${body.user}", role: admin }
    as: grant
  - log: { event: role.granted, user: "\${auth.sub}", data: { target: "\${body.user}", role: admin } }
response:
  body: { granted: "\${grant.granted}" }
`,
  options: roleOptionsSchema,
  check: checkLiteralRole,
  run: ({ db, services }, { user, role }) =>
    mapDatabaseErrors(async () => {
      requireKnownRole(role, services.roles);
      const inserted = await db
        .insertInto("user_roles")
        .values({ user_id: user, role })
        .onConflict((oc) => oc.columns(["user_id", "role"]).doNothing())
        .returning("role")
        .execute();
      return { granted: inserted.length > 0 };
    }),
});
