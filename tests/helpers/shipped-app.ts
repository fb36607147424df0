import { after, before, beforeEach } from "node:test";
import type { TrellisApp } from "../../src/create-app.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { REPO_ROOT } from "./cli.ts";
import { type DatabaseTarget, resetDatabase } from "./databases.ts";
import { startSmtp, type TestSmtp } from "./smtp.ts";
import { createTestApp } from "./test-app.ts";

export const PUBLIC_URL = "http://trellis.test";

/** The repo's own app (the shipped user system), mailing to the test SMTP server, on a clock the test controls. */
export function createShippedApp(
  database: DatabaseHandle,
  smtp: TestSmtp,
  clock: { now: number },
  logs?: string[],
  options: ShippedAppOptions = {},
): Promise<TrellisApp> {
  return createTestApp({
    appDir: options.appDir?.() ?? REPO_ROOT,
    database,
    env: { SMTP_URL: smtp.url, PUBLIC_URL, ...options.env?.() },
    now: () => new Date(clock.now),
    ...(logs ? { logs } : {}),
  });
}

/** For a copy of the shipped app with files of a test's own; read when the file's `before` hooks run, in their order. */
export interface ShippedAppOptions {
  readonly appDir?: () => string;
  readonly env?: () => Record<string, string>;
}

/** What a test file of the shipped app works with; filled in by `before`. */
export interface ShippedAppContext {
  database: DatabaseHandle;
  smtp: TestSmtp;
  app: TrellisApp;
  readonly clock: { now: number };
}

export const START_OF_TESTS = Date.parse("2026-03-01T12:00:00Z");

/**
 * Registers the hooks of a test file of the shipped app: one database and SMTP
 * server for the file; before each test the mailer is idle, the tables are
 * empty, no mail is kept and the clock is back at START_OF_TESTS.
 */
export function useShippedApp(target: DatabaseTarget, options: ShippedAppOptions = {}): ShippedAppContext {
  const context = { clock: { now: START_OF_TESTS } } as ShippedAppContext;
  before(async () => {
    context.database = await target.open();
    context.smtp = await startSmtp();
    context.app = await createShippedApp(context.database, context.smtp, context.clock, undefined, options);
  });
  after(async () => {
    await context.app.close();
    await context.smtp.close();
    await context.database.close();
  });
  beforeEach(async () => {
    await context.app.services.mailer.idle();
    await resetDatabase(context.database);
    context.smtp.clear();
    context.clock.now = START_OF_TESTS;
  });
  return context;
}
