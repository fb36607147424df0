import type { LoadedApp } from "../loader/load-app.ts";
import type { Db } from "./schema.ts";

/** Mirrors roles.yaml into the `roles` table so SQL can join on it; grants of removed roles stay but mean nothing. */
export async function syncRoles(db: Db, app: LoadedApp): Promise<void> {
  const rows = [...app.roles.names].map((name) => ({ name, description: app.roleSpecs.get(name)?.description ?? null }));
  if (rows.length === 0) return;
  await db
    .insertInto("roles")
    .values(rows)
    .onConflict((oc) => oc.column("name").doUpdateSet((eb) => ({ description: eb.ref("excluded.description") })))
    .execute();
}
