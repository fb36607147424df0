import { mapDatabaseErrors } from "../db/map-database-errors.ts";
import { defineAction } from "./define-action.ts";
import { checkLiteralRole, type RoleOptions, roleOptionsSchema } from "./options/role-options.ts";

export default defineAction<RoleOptions, { revoked: boolean }>({
  name: "revoke-role",
  description:
    "Takes a role from a user. If the user does not have it, nothing happens. A role written out that `roles.yaml` does not declare is a load error, as with `grant-role`; a computed one is taken away even when `roles.yaml` no longer declares it. Tokens already issued keep their roles until they expire.",
  result: "`{ revoked }`: `false` if the user did not have the role.",
  example: `# endpoints/admin/users/[id]/admin.delete.yaml
summary: Take the admin role from a user
allow: [admin]
input:
  params:
    id: { type: string, format: uuid }
steps:
  - revoke-role: { user: "\${params.id}", role: admin }
    as: revoke
  - log: { event: role.revoked, user: "\${auth.sub}", data: { target: "\${params.id}", role: admin } }
response:
  body: { revoked: "\${revoke.revoked}" }
`,
  options: roleOptionsSchema,
  check: checkLiteralRole,
  run: ({ db }, { user, role }) =>
    mapDatabaseErrors(async () => {
      const deleted = await db.deleteFrom("user_roles").where("user_id", "=", user).where("role", "=", role).returning("role").execute();
      return { revoked: deleted.length > 0 };
    }),
});
