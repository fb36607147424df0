/**
 * Users and refresh tokens written straight into a server's database before
 * it serves (setup is not measured): confirmed users with the role guest and
 * the bench password, and unspent refresh tokens stored as trellis stores
 * them (SHA-256 of the token). Each server gets its own users (and, on
 * PGlite, its own database), so neither side's rows help the other.
 */
import { createHash, randomBytes, randomUUID } from "node:crypto";
import bcrypt from "bcryptjs";
import { createDatabase } from "../../src/db/create-database.ts";
import { migrate } from "../../src/db/migrate.ts";
import { BCRYPT_COST, PASSWORD } from "../config.ts";
import type { TokenUser } from "./access-tokens.ts";

export interface Seeded {
  readonly users: readonly TokenUser[];
  /** Unspent refresh tokens, each of its own login (family), spread over the users. */
  readonly refreshTokens: string[];
}

export interface SeedOptions {
  /** `postgres://…`, or unset for PGlite under `dataDir`. */
  readonly url?: string | undefined;
  readonly dataDir: string;
  /** Makes the emails unique in a database shared by several servers and several runs. */
  readonly prefix: string;
  readonly users: number;
  readonly refreshTokens: number;
}

let passwordHash: string | undefined;

export async function seed(options: SeedOptions): Promise<Seeded> {
  passwordHash ??= bcrypt.hashSync(PASSWORD, BCRYPT_COST);
  const database = createDatabase({ url: options.url, dataDir: options.dataDir });
  try {
    const { db } = database;
    await migrate(db);
    const users = Array.from({ length: options.users }, (_, i) => ({ id: randomUUID(), email: `${options.prefix}-${i}@example.com` }));
    const now = new Date();
    await db
      .insertInto("users")
      .values(users.map((user, i) => ({ ...user, name: `Bench ${i}`, password_hash: passwordHash ?? null, confirmed_at: now })))
      .execute();
    await db
      .insertInto("user_roles")
      .values(users.map((user) => ({ user_id: user.id, role: "guest" })))
      .execute();
    const refreshTokens = Array.from({ length: options.refreshTokens }, () => randomBytes(32).toString("base64url"));
    const expires = new Date(now.getTime() + 30 * 86_400_000);
    for (let start = 0; start < refreshTokens.length; start += 500) {
      await db
        .insertInto("refresh_tokens")
        .values(
          refreshTokens.slice(start, start + 500).map((token, i) => ({
            user_id: (users[(start + i) % users.length] as TokenUser).id,
            family_id: randomUUID(),
            token_hash: createHash("sha256").update(token, "utf8").digest("hex"),
            expires_at: expires,
            created_at: now,
          })),
        )
        .execute();
    }
    return { users, refreshTokens };
  } finally {
    await database.close();
  }
}
