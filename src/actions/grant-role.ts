import { mapDatabaseErrors } from "../db/map-database-errors.ts";
import { defineAction } from "./define-action.ts";
import { checkLiteralRole, type RoleOptions, requireKnownRole, roleOptionsSchema } from "./options/role-options.ts";

export default defineAction<RoleOptions, { granted: boolean }>({
  name: "grant-role",
  description:
    "Gives a user a role from roles.yaml (nothing happens if they have it); returns `{ granted }`. An unknown role is a load error when written out, 400 when computed.",
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
