import { after, afterEach, before, beforeEach } from "node:test";
import type { TrellisApp } from "../../src/create-app.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { REPO_ROOT } from "./cli.ts";
import { type DatabaseTarget, resetDatabase } from "./databases.ts";
import { START_OF_TESTS } from "./shipped-app.ts";
import { createTestApp } from "./test-app.ts";

/** What a test of mail on bad days works with; filled in by the hooks of useMailApps. */
export interface MailAppsContext {
  database: DatabaseHandle;
  readonly clock: { now: number };
  /** The shipped app on this file's database with the test's own SMTP settings; closed after the test. */
  open(env: Record<string, string>, logs?: string[]): Promise<TrellisApp>;
  /** A mail as `send-mail` queues it, due now; its text holds a link with a token, as the shipped mails do. */
  queue(to: string, subject?: string): Promise<number>;
  outbox(): Promise<OutboxRow[]>;
  /** Registers something to close after the test (a mail server). */
  closeAfter(close: () => Promise<void>): void;
}

export interface OutboxRow {
  id: number;
  to: string;
  subject: string;
  text: string;
  attempts: number;
  next_attempt_at: Date;
  sent_at: Date | null;
  failed_at: Date | null;
  last_error: string | null;
}

export const LINK_TOKEN = "Zq3TEST-secret-link-token-0123456789abcdef";

/**
 * One database for the file; each test opens the apps and mail servers it
 * needs, and they are closed after it, so no earlier app's mailer (they poll
 * every few seconds) takes a later test's mail.
 */
export function useMailApps(target: DatabaseTarget): MailAppsContext {
  const apps: TrellisApp[] = [];
  const closers: (() => Promise<void>)[] = [];
  const context = {
    clock: { now: START_OF_TESTS },
    async open(env: Record<string, string>, logs?: string[]) {
      const app = await createTestApp({
        appDir: REPO_ROOT,
        database: context.database,
        env: { PUBLIC_URL: "http://trellis.test", ...env },
        now: () => new Date(context.clock.now),
        ...(logs ? { logs } : {}),
      });
      apps.push(app);
      return app;
    },
    async queue(to: string, subject = "Your sign-in link") {
      const row = await context.database.db
        .insertInto("outbox")
        .values({
          to,
          subject,
          text: `Open http://trellis.test/auth/confirm?token=${LINK_TOKEN}`,
          next_attempt_at: new Date(context.clock.now),
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      return Number(row.id);
    },
    outbox: async () => (await context.database.db.selectFrom("outbox").selectAll().orderBy("id").execute()) as unknown as OutboxRow[],
    closeAfter: (close: () => Promise<void>) => void closers.push(close),
  } as MailAppsContext;
  before(async () => {
    context.database = await target.open();
  });
  after(async () => {
    await context.database.close();
  });
  beforeEach(async () => {
    await resetDatabase(context.database);
    context.clock.now = START_OF_TESTS;
  });
  afterEach(async () => {
    // Apps first: a mailer still talking to a server is done before the server goes.
    for (const app of apps.splice(0)) await app.close();
    for (const close of closers.splice(0)) await close();
  });
  return context;
}
