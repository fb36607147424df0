import { registerConfirmed, type Session, signIn } from "./accounts.ts";
import type { ShippedAppContext } from "./shipped-app.ts";
import { bearer } from "./test-app.ts";

export const PASSWORD = "correct horse battery";

/** The id of the user with this address, read from the database. */
export async function idOf(t: ShippedAppContext, email: string): Promise<string> {
  return (await t.database.db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow()).id;
}

/** A confirmed user, made as an operator would an admin: granted `admin` in the database, then signed in. */
export async function adminSession(t: ShippedAppContext, email = "root@example.com"): Promise<Session & { id: string }> {
  await registerConfirmed(t.app, t.smtp, email, PASSWORD);
  const id = await idOf(t, email);
  await t.database.db.insertInto("user_roles").values({ user_id: id, role: "admin" }).execute();
  return { ...(await signIn(t.app, email, PASSWORD)), id };
}

/** A confirmed user with role guest, and its id. */
export async function guestUser(t: ShippedAppContext, email: string): Promise<string> {
  await registerConfirmed(t.app, t.smtp, email, PASSWORD);
  return idOf(t, email);
}

/** `method route` with the bearer token, as a browser's fetch would send it. */
export const send = (t: ShippedAppContext, method: string, route: string, token: string) =>
  t.app.request(route, { method, headers: bearer(token) });
