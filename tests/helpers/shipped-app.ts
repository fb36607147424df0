import type { TrellisApp } from "../../src/create-app.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { REPO_ROOT } from "./cli.ts";
import type { TestSmtp } from "./smtp.ts";
import { createTestApp } from "./test-app.ts";

export const PUBLIC_URL = "http://trellis.test";

/** The repo's own app (the shipped user system), mailing to the test SMTP server, on a clock the test controls. */
export function createShippedApp(database: DatabaseHandle, smtp: TestSmtp, clock: { now: number }, logs?: string[]): Promise<TrellisApp> {
  return createTestApp({
    appDir: REPO_ROOT,
    database,
    env: { SMTP_URL: smtp.url, PUBLIC_URL },
    now: () => new Date(clock.now),
    ...(logs ? { logs } : {}),
  });
}
