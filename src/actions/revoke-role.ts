import { mapDatabaseErrors } from "../db/map-database-errors.ts";
import { defineAction } from "./define-action.ts";
import { checkLiteralRole, type RoleOptions, roleOptionsSchema } from "./options/role-options.ts";

export default defineAction<RoleOptions, { revoked: boolean }>({
  name: "revoke-role",
  description:
    "Takes a role from a user (nothing happens if they lack it); returns `{ revoked }`. A role since removed from roles.yaml can still be taken away. Tokens already issued keep their roles until they expire.",
  options: roleOptionsSchema,
  check: checkLiteralRole,
  run: ({ db }, { user, role }) =>
    mapDatabaseErrors(async () => {
      const deleted = await db.deleteFrom("user_roles").where("user_id", "=", user).where("role", "=", role).returning("role").execute();
      return { revoked: deleted.length > 0 };
    }),
});
