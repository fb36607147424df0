import { mapDatabaseErrors } from "../db/map-database-errors.ts";
import { defineAction } from "./define-action.ts";
import { checkLiteralRole, type RoleOptions, requireKnownRole, roleOptionsSchema } from "./options/role-options.ts";

export default defineAction<RoleOptions, { revoked: boolean }>({
  name: "revoke-role",
  description:
    "Takes a role from a user (nothing happens if they lack it); returns `{ revoked }`. Tokens already issued keep their roles until they expire.",
  options: roleOptionsSchema,
  check: checkLiteralRole,
  run: ({ db, services }, { user, role }) =>
    mapDatabaseErrors(async () => {
      requireKnownRole(role, services.roles);
      const deleted = await db.deleteFrom("user_roles").where("user_id", "=", user).where("role", "=", role).returning("role").execute();
      return { revoked: deleted.length > 0 };
    }),
});
