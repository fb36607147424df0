import { randomUUID } from "node:crypto";
import type { Db, Tx } from "../db/schema.ts";
import { hashToken, newOpaqueToken } from "./opaque-token.ts";

export interface IssuedRefreshToken {
  readonly token: string;
  /** One login: every token rotated from it shares the family, and is revoked with it. */
  readonly family_id: string;
  readonly expires_at: Date;
  /** How the login was proven (RFC 8176 `amr`), as `issue-refresh-token` was told; every token of the login carries it. */
  readonly amr: readonly string[];
}

export async function issueRefreshToken(
  db: Db | Tx,
  userId: string,
  familyId: string | undefined,
  now: Date,
  ttlSeconds: number,
  amr: readonly string[] = [],
): Promise<IssuedRefreshToken> {
  const token = newOpaqueToken();
  const family = familyId ?? randomUUID();
  const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
  await db
    .insertInto("refresh_tokens")
    .values({
      user_id: userId,
      family_id: family,
      token_hash: hashToken(token),
      expires_at: expiresAt,
      amr: JSON.stringify(amr),
      created_at: now,
    })
    .execute();
  return { token, family_id: family, expires_at: expiresAt, amr };
}

export async function revokeFamily(db: Db | Tx, familyId: string, now: Date): Promise<number> {
  const result = await db
    .updateTable("refresh_tokens")
    .set({ revoked_at: now })
    .where("family_id", "=", familyId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Whether `familyId` is a login of `userId` that can still be refreshed. */
export async function liveFamily(db: Db | Tx, userId: string, familyId: string, now: Date): Promise<boolean> {
  const row = await db
    .selectFrom("refresh_tokens")
    .select("id")
    .where("user_id", "=", userId)
    .where("family_id", "=", familyId)
    .where("spent_at", "is", null)
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  return row !== undefined;
}
