import { availableParallelism } from "node:os";
import path from "node:path";

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly appDir: string;
  readonly dataDir: string;
  readonly databaseUrl: string | undefined;
  readonly production: boolean;
  readonly logLevel: LogLevel;
  readonly bodyLimitBytes: number;
  readonly bcryptCost: number;
  /** Threads that run bcrypt; one core is left for serving requests. */
  readonly bcryptWorkers: number;
  /** bcrypt tasks that may wait for a free thread; a login beyond them is 503 busy at once. */
  readonly bcryptQueue: number;
  /** How many reverse proxies in front of us append to X-Forwarded-For; 0 trusts none. */
  readonly trustProxy: number;
  /** The longest a connection or one statement may take on PostgreSQL before it counts as unavailable (503). */
  readonly databaseTimeoutMs: number;
  /** The longest one step of an endpoint may run before the request is answered 504 and rolled back. */
  readonly stepTimeoutMs: number;
  /** What hash-password accepts as a new password. */
  readonly password: {
    readonly minBytes: number;
    readonly maxBytes: number;
    /** Refuse the passwords most often found in leaks (PASSWORD_REFUSE_COMMON). */
    readonly refuseCommon: boolean;
  };
  readonly jwt: {
    readonly secret: string | undefined;
    readonly privateKey: string | undefined;
    /** Retired HS256 secrets (JWT_PREVIOUS_SECRETS): they still verify, never sign. */
    readonly previousSecrets: readonly string[];
    /** Retired keys (JWT_PREVIOUS_KEYS), PEM blocks one after the other: they still verify, never sign. */
    readonly previousKeys: string | undefined;
    readonly issuer: string;
    readonly audience: string;
    readonly accessTtlSeconds: number;
    readonly refreshTtlSeconds: number;
  };
  readonly mail: {
    readonly smtpUrl: string | undefined;
    readonly from: string;
    /** The longest the mail server may stay silent (connecting and the greeting get at most 10 s of it). */
    readonly timeoutSeconds: number;
    /** Failed tries after which a mail is marked failed and no longer retried. */
    readonly maxAttempts: number;
  };
  /** How long rows are kept before the periodic purge deletes them (src/db/retention.ts). */
  readonly retention: {
    readonly logSeconds: number;
    readonly outboxSeconds: number;
  };
  readonly publicUrl: string;
  /** ENCRYPTION_KEY: 32 bytes (base64 or hex) sealing secrets at rest, such as TOTP secrets; generated under DATA_DIR when unset outside production. */
  readonly encryptionKey: string | undefined;
}

export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

type Env = Record<string, string | undefined>;

/** Environment → validated config, once. A bad value is a startup error naming the variable. */
export function loadConfig(env: Env = process.env, overrides: { appDir?: string } = {}): Config {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
      return fallback;
    }
    return value;
  };
  const duration = (name: string, fallback: string): number => {
    const raw = env[name] || fallback;
    const seconds = parseDuration(raw);
    if (seconds === undefined) {
      problems.push(`${name} must be a duration like 900, 15m, 12h or 30d, got "${raw}"`);
      return 0;
    }
    return seconds;
  };

  const port = int("PORT", 3000, 0, 65535);
  const bcryptWorkers = int("BCRYPT_WORKERS", Math.max(1, availableParallelism() - 1), 1, 256);
  const logLevel = (env.LOG_LEVEL || "info") as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`);
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push("DATABASE_URL must start with postgres:// or postgresql://");
  }
  const smtpUrl = env.SMTP_URL || undefined;
  if (smtpUrl && !/^smtps?:\/\//.test(smtpUrl)) problems.push("SMTP_URL must start with smtp:// or smtps://");

  const config: Config = {
    port,
    host: env.HOST || "0.0.0.0",
    appDir: path.resolve(overrides.appDir ?? env.APP_DIR ?? "."),
    dataDir: path.resolve(env.DATA_DIR || ".data"),
    databaseUrl,
    production: env.NODE_ENV === "production",
    logLevel,
    bodyLimitBytes: int("BODY_LIMIT", 1024 * 1024, 1, 1024 * 1024 * 1024),
    bcryptCost: int("BCRYPT_COST", 12, 4, 15),
    bcryptWorkers,
    bcryptQueue: int("BCRYPT_QUEUE", 8 * bcryptWorkers, 0, 10_000),
    trustProxy: int("TRUST_PROXY", 0, 0, 10),
    databaseTimeoutMs: duration("DATABASE_TIMEOUT", "5s") * 1000,
    stepTimeoutMs: duration("STEP_TIMEOUT", "10s") * 1000,
    password: passwordPolicy(env, int, problems),
    jwt: {
      secret: env.JWT_SECRET || undefined,
      privateKey: env.JWT_PRIVATE_KEY || undefined,
      previousSecrets: (env.JWT_PREVIOUS_SECRETS ?? "")
        .split(",")
        .map((secret) => secret.trim())
        .filter(Boolean),
      previousKeys: env.JWT_PREVIOUS_KEYS || undefined,
      issuer: env.JWT_ISSUER || "trellis",
      audience: env.JWT_AUDIENCE || "trellis",
      accessTtlSeconds: duration("ACCESS_TOKEN_TTL", "15m"),
      refreshTtlSeconds: duration("REFRESH_TOKEN_TTL", "30d"),
    },
    mail: {
      smtpUrl,
      from: env.MAIL_FROM || "trellis <no-reply@localhost>",
      timeoutSeconds: duration("SMTP_TIMEOUT", "30s"),
      maxAttempts: int("MAIL_MAX_ATTEMPTS", 20, 1, 1000),
    },
    retention: {
      logSeconds: duration("LOG_RETENTION", "90d"),
      outboxSeconds: duration("OUTBOX_RETENTION", "7d"),
    },
    publicUrl: (env.PUBLIC_URL || `http://localhost:${port}`).replace(/\/+$/, ""),
    encryptionKey: env.ENCRYPTION_KEY || undefined,
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** PASSWORD_MIN_BYTES, PASSWORD_MAX_BYTES (bcrypt reads 72 bytes at most) and PASSWORD_REFUSE_COMMON. */
function passwordPolicy(env: Env, int: (name: string, fallback: number, min: number, max: number) => number, problems: string[]) {
  const minBytes = int("PASSWORD_MIN_BYTES", 8, 1, 72);
  const maxBytes = int("PASSWORD_MAX_BYTES", 72, 1, 72);
  if (minBytes > maxBytes) problems.push(`PASSWORD_MIN_BYTES (${minBytes}) must not be more than PASSWORD_MAX_BYTES (${maxBytes})`);
  const common = (env.PASSWORD_REFUSE_COMMON || "false").toLowerCase();
  if (common !== "true" && common !== "false") problems.push(`PASSWORD_REFUSE_COMMON must be true or false, got "${common}"`);
  return { minBytes, maxBytes, refuseCommon: common === "true" };
}

export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  ${problems.join("\n  ")}`);
  }
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** "15m" → 900; a bare number is seconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * (UNIT_SECONDS[match[2] || "s"] ?? 1);
  return seconds > 0 ? seconds : undefined;
}
