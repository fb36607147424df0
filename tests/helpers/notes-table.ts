import { sql } from "kysely";
import type { DatabaseHandle } from "../../src/db/create-database.ts";

/** The app table the `engine` fixture's endpoints use. */
export async function createNotesTable(handle: DatabaseHandle): Promise<void> {
  await sql`create table if not exists notes (
    id serial primary key,
    title text not null,
    body text,
    created_at timestamptz not null default now()
  )`.execute(handle.db);
}
