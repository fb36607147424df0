import { sql } from "kysely";
import type { Db, Tx } from "../../db/schema.ts";
import { hashToken } from "../opaque-token.ts";

/** How long a browser has from leaving for the provider to coming back. */
export const FLOW_SECONDS = 600;

export interface Flow {
  readonly provider: string;
  readonly code_verifier: string;
  readonly nonce: string;
  readonly redirect_to: string;
  /** The S256 code challenge of the app that started the sign-in: the callback's code is issued bound to it. */
  readonly app_challenge: string;
  readonly callback_url: string;
}

/** Keeps a sign-in in progress under the hash of its `state`, so the callback may come to any process. */
export async function storeFlow(db: Db | Tx, state: string, flow: Flow, now: Date): Promise<Date> {
  const expiresAt = new Date(now.getTime() + FLOW_SECONDS * 1000);
  await db
    .insertInto("oidc_flows")
    .values({ ...flow, state_hash: hashToken(state), expires_at: expiresAt, created_at: now })
    .execute();
  return expiresAt;
}

/** Takes the flow of this state out, once: a second callback with the same state finds nothing. */
export async function spendFlow(db: Db | Tx, state: string, provider: string, now: Date): Promise<Flow | undefined> {
  const row = await db
    .deleteFrom("oidc_flows")
    .where("state_hash", "=", hashToken(state))
    .returning(["provider", "code_verifier", "nonce", "redirect_to", "app_challenge", "callback_url", "expires_at"])
    .executeTakeFirst();
  if (!row || row.provider !== provider || row.expires_at.getTime() <= now.getTime()) return undefined;
  const { expires_at: _, ...flow } = row;
  return flow;
}

/** Deletes the flows nobody came back for; run with the hourly purge. */
export async function pruneFlows(db: Db, now: Date): Promise<void> {
  await sql`delete from oidc_flows where expires_at < ${now}`.execute(db);
}
