import type { Db, Tx } from "./schema.ts";

export interface LogEntry {
  readonly event: string;
  readonly user: string | null;
  readonly ip: string | null;
  readonly data?: Record<string, unknown>;
}

/** One row of the `log` table; callers pass data already free of secrets. */
export async function writeLog(db: Db | Tx, entry: LogEntry): Promise<void> {
  await db
    .insertInto("log")
    .values({ event: entry.event, user_id: entry.user, ip: entry.ip, data: JSON.stringify(entry.data ?? {}) })
    .execute();
}
