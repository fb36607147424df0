import { createRequire } from "node:module";
import pino from "pino";
import type { LogLevel } from "./config.ts";

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * pino underneath: JSON lines for machines (not a terminal, or production),
 * pino-pretty's readable lines in a terminal. `write` receives each JSON line
 * instead of stdout (tests read them).
 */
export function createLogger(level: LogLevel, write?: (line: string) => void): Logger {
  const readable = !write && process.stdout.isTTY === true && process.env.NODE_ENV !== "production";
  const destination = write
    ? { write: (line: string) => write(line.trimEnd()) }
    : readable
      ? prettyStream()
      : pino.destination({ dest: 1, sync: true });
  const base = pino(
    {
      level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
  return {
    debug: (message, fields = {}) => base.debug(fields, message),
    info: (message, fields = {}) => base.info(fields, message),
    warn: (message, fields = {}) => base.warn(fields, message),
    error: (message, fields = {}) => base.error(fields, message),
  };
}

/** pino-pretty, loaded only for a terminal: a server writing JSON lines never pays for it. */
function prettyStream(): NodeJS.WritableStream {
  const pretty = createRequire(import.meta.url)("pino-pretty") as (options: Record<string, unknown>) => NodeJS.WritableStream;
  return pretty({ colorize: true, translateTime: "HH:MM:ss", ignore: "pid,hostname", sync: true });
}
