import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../../src/config.ts";
import { createApp, type TrellisApp } from "../../src/create-app.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { createLogger } from "../../src/logger.ts";

export const TEST_JWT_SECRET = "test-secret-that-is-at-least-32-bytes-long!";

export const fixture = (name: string): string => path.join(import.meta.dirname, "..", "fixtures", name);

export const tempDir = (prefix = "trellis-test-"): string => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

export interface TestAppOptions {
  readonly appDir: string;
  readonly database: DatabaseHandle;
  readonly env?: Record<string, string>;
  readonly now?: () => Date;
  /** Receives every log line (JSON); by default they are dropped. */
  readonly logs?: string[];
  /** Receives what the development outbox prints (no SMTP_URL). */
  readonly printMail?: (text: string) => void;
}

/** The real app over a test database, with a fixed JWT secret and a throwaway DATA_DIR. */
export async function createTestApp(options: TestAppOptions): Promise<TrellisApp> {
  const env = { JWT_SECRET: TEST_JWT_SECRET, DATA_DIR: tempDir(), BCRYPT_COST: "4", LOG_LEVEL: "debug", ...options.env };
  const config = loadConfig(env, { appDir: options.appDir });
  const logs = options.logs;
  const logger = createLogger("debug", (line) => (process.env.TEST_LOGS ? process.stderr.write(`${line}\n`) : logs?.push(line)));
  return createApp({
    config,
    database: options.database,
    logger,
    printMail: options.printMail ?? (() => {}),
    env,
    ...(options.now ? { now: options.now } : {}),
  });
}

/** An access token as the app itself would sign it. */
export async function tokenFor(app: TrellisApp, roles: string[], sub = "00000000-0000-4000-8000-000000000001"): Promise<string> {
  const { token } = await app.services.keys.signAccessToken(sub, { email: "someone@example.com", roles });
  return token;
}

export const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

export const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/json", ...headers },
  body: JSON.stringify(body),
});
