import type { Db, Tx } from "../../db/schema.ts";
import { TrellisError } from "../../errors.ts";
import type { RoleGraph } from "../../rbac/role-graph.ts";
import { findUser, type UserView } from "../find-user.ts";
import { normalizeEmail } from "../normalize-email.ts";
import type { ProviderSettings } from "./oidc-settings.ts";

/** Who the provider says signed in. */
export interface ProviderIdentity {
  readonly subject: string;
  readonly email: string | undefined;
  /** Only a provider's word that the address was verified lets it find or make an account. */
  readonly emailVerified: boolean;
  readonly name: string | undefined;
}

export interface SignedIn {
  readonly user: UserView;
  /** A new user was made for this identity (`users: create`). */
  readonly created: boolean;
  /** The identity was new and joined to the existing user with its verified email. */
  readonly linked: boolean;
}

interface LinkContext {
  readonly db: Db | Tx;
  readonly roles: RoleGraph;
  readonly now: Date;
}

/**
 * The user of a provider's identity: the one it is stored with; else, for a
 * new identity, the user with its verified email (never an unverified one);
 * else, under `users: create`, a new confirmed user with the role guest.
 * A disabled account is refused as login refuses it.
 */
export async function signInIdentity(provider: ProviderSettings, identity: ProviderIdentity, context: LinkContext): Promise<SignedIn> {
  const { db, now } = context;
  const known = await db
    .updateTable("identities")
    .set({ last_sign_in_at: now, ...(identity.email && identity.emailVerified ? { email: normalizeEmail(identity.email) } : {}) })
    .where("provider", "=", provider.name)
    .where("subject", "=", identity.subject)
    .returning("user_id")
    .executeTakeFirst();
  if (known) return { user: usable(await findUser(db, { id: known.user_id })), created: false, linked: false };

  if (!identity.email || !identity.emailVerified)
    throw new TrellisError(403, "email_not_verified", "The provider did not confirm that this email address is verified");
  const email = normalizeEmail(identity.email);
  const existing = await findUser(db, { email });
  if (existing) {
    // Someone may have registered this address without owning it; only its confirmed owner is joined to the identity.
    if (!usable(existing).confirmed)
      throw new TrellisError(403, "account_unconfirmed", "An account with this email exists but is not confirmed yet; confirm it first");
    await storeIdentity(db, { userId: existing.id, provider: provider.name, subject: identity.subject, email }, now);
    return { user: existing, created: false, linked: true };
  }
  if (provider.users !== "create")
    throw new TrellisError(403, "account_not_found", "There is no account with this email address to sign in to");
  const user = await db
    .insertInto("users")
    .values({ email, password_hash: null, name: identity.name?.slice(0, 100) ?? null, confirmed_at: now, created_at: now, updated_at: now })
    .returning("id")
    .executeTakeFirstOrThrow();
  if (context.roles.has("guest")) await db.insertInto("user_roles").values({ user_id: user.id, role: "guest" }).execute();
  await storeIdentity(db, { userId: user.id, provider: provider.name, subject: identity.subject, email }, now);
  return { user: usable(await findUser(db, { id: user.id })), created: true, linked: false };
}

function usable(user: UserView | null): UserView {
  if (!user) throw new TrellisError(403, "account_not_found", "There is no account with this email address to sign in to");
  if (user.disabled) throw new TrellisError(403, "account_disabled", "This account is disabled");
  return user;
}

interface NewIdentity {
  readonly userId: string;
  readonly provider: string;
  readonly subject: string;
  readonly email: string;
}

async function storeIdentity(db: Db | Tx, { userId, provider, subject, email }: NewIdentity, now: Date): Promise<void> {
  await db.insertInto("identities").values({ user_id: userId, provider, subject, email, created_at: now, last_sign_in_at: now }).execute();
}
