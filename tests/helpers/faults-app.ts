import { after, before, beforeEach } from "node:test";
import { sql } from "kysely";
import { hashPassword } from "../../src/auth/passwords.ts";
import type { TrellisApp } from "../../src/create-app.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import type { HangProbe } from "../fixtures/faults-app/actions/hang.ts";
import { type DatabaseTarget, resetDatabase } from "./databases.ts";
import { createTestApp, fixture } from "./test-app.ts";

export const FAULTS_APP = fixture("faults-app");
export const FAULTS_TABLES = ["items", "attempts"];

/** What a test file of tests/fixtures/faults-app works with; filled in by `before`. */
export interface FaultsAppContext {
  database: DatabaseHandle;
  app: TrellisApp;
  /** Every log line of the app, as JSON text; emptied before each test. */
  readonly logs: string[];
}

/**
 * One database and one faults-app for the file (with `env` on top of the test
 * defaults); before each test the tables are empty, the log is cleared and no
 * hang probe is set.
 */
export function useFaultsApp(target: DatabaseTarget, env: Record<string, string> = {}): FaultsAppContext {
  const context = { logs: [] as string[] } as FaultsAppContext;
  before(async () => {
    context.database = await target.open();
    context.app = await createTestApp({ appDir: FAULTS_APP, database: context.database, env, logs: context.logs });
  });
  after(async () => {
    await context.app.close();
    await context.database.close();
  });
  beforeEach(async () => {
    setHangProbe(undefined);
    await resetDatabase(context.database, FAULTS_TABLES);
    context.logs.length = 0;
  });
  return context;
}

/** The labels in a table of the faults-app, in insertion order. */
export async function labels(database: DatabaseHandle, table: "items" | "attempts"): Promise<string[]> {
  const { rows } = await sql<{ label: string }>`select label from ${sql.table(table)} order by id`.execute(database.db);
  return rows.map((row) => row.label);
}

/** A confirmed user with this password (hashed at the test cost), straight into the database. */
export async function insertUser(database: DatabaseHandle, email: string, password: string): Promise<string> {
  const row = await database.db
    .insertInto("users")
    .values({ email, password_hash: await hashPassword(password, 4), confirmed_at: new Date() })
    .returning("id")
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A probe the `hang` action reports to: `reached` resolves when a request hangs in it, `release()` lets it go on. */
export function hangProbe(): HangProbe & { readonly reachedStep: Promise<void>; release(): void } {
  let reached = () => {};
  let release = () => {};
  const reachedStep = new Promise<void>((resolve) => {
    reached = resolve;
  });
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const probe = { reached: () => reached(), released, reachedStep, release: () => release() };
  setHangProbe(probe);
  return probe;
}

function setHangProbe(probe: HangProbe | undefined): void {
  (globalThis as { hangProbe?: HangProbe }).hangProbe = probe;
}

/** The log lines (parsed) whose message is `msg`. */
export function logged(logs: readonly string[], msg: string): Record<string, unknown>[] {
  return logs.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => entry.msg === msg);
}
