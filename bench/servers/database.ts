/**
 * The baseline's database: kysely on PGlite in its own DATA_DIR (two
 * processes cannot share a PGlite folder) or on a pg pool of 10 connections
 * (trellis's size) when DATABASE_URL is set. bigint comes back as a number, as in trellis.
 */
import fs from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { Kysely, PGliteDialect, PostgresDialect } from "kysely";
import pg from "pg";
import type { Database } from "../../src/db/schema.ts";

const INT8_OID = 20;

export function openDatabase(url: string | undefined, dataDir: string): Kysely<Database> {
  if (url) {
    const pool = new pg.Pool({
      connectionString: url,
      max: 10,
      types: {
        getTypeParser: ((oid: number, format?: "text" | "binary") =>
          oid === INT8_OID ? Number : pg.types.getTypeParser(oid, format ?? "text")) as typeof pg.types.getTypeParser,
      },
    });
    pool.on("error", () => {});
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  const folder = path.join(dataDir, "pgdata");
  fs.mkdirSync(folder, { recursive: true });
  return new Kysely<Database>({ dialect: new PGliteDialect({ pglite: new PGlite(folder, { parsers: { [INT8_OID]: Number } }) }) });
}
