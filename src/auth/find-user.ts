import type { Db, Tx } from "../db/schema.ts";
import { normalizeEmail } from "./normalize-email.ts";

/** A user as endpoints see it: never the password hash. */
export interface UserView {
  readonly id: string;
  readonly email: string;
  readonly name: string | null;
  /** The roles a token gets: none until the email is confirmed (double opt-in is RBAC, not a special case). */
  readonly roles: string[];
  readonly confirmed: boolean;
  readonly confirmed_at: Date | null;
  /** A disabled account cannot sign in or refresh; an admin can enable it again. */
  readonly disabled: boolean;
  /** Whether a confirmed second factor (an authenticator app) is asked for at sign-in. */
  readonly two_factor: boolean;
  readonly created_at: Date;
}

export type UserKey = { id: string } | { email: string };

/** `users` narrowed to the one row with this id, or this email in any case and spacing. */
export function userRow(db: Db | Tx, by: UserKey) {
  const users = db.selectFrom("users");
  return "id" in by ? users.where("id", "=", by.id) : users.where((eb) => eb(eb.fn("lower", ["email"]), "=", normalizeEmail(by.email)));
}

export async function findUser(db: Db | Tx, by: UserKey): Promise<UserView | null> {
  const row = await userRow(db, by)
    .select(["id", "email", "name", "confirmed_at", "disabled_at", "created_at"])
    .select((eb) =>
      eb
        .exists(
          eb
            .selectFrom("totp_factors")
            .select("user_id")
            .whereRef("totp_factors.user_id", "=", "users.id")
            .where("totp_factors.confirmed_at", "is not", null),
        )
        .as("two_factor"),
    )
    .executeTakeFirst();
  if (!row) return null;
  const { disabled_at, two_factor, ...user } = row;
  const confirmed = user.confirmed_at !== null;
  const roles = confirmed
    ? (await db.selectFrom("user_roles").select("role").where("user_id", "=", user.id).orderBy("role").execute()).map((r) => r.role)
    : [];
  return { ...user, roles, confirmed, disabled: disabled_at !== null, two_factor: Boolean(two_factor) };
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
