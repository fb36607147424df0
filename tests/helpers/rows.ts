import type { Db } from "../../src/db/schema.ts";

/** How many rows a table holds: for tests that check what a request wrote, or did not. */
export async function countRows(db: Db, table: string): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
