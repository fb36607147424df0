import type { LogLevel } from "./config.ts";

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Structured lines: JSON for machines; a short readable line when stdout is a terminal. */
export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Logger {
  const pretty = process.stdout.isTTY === true && process.env.NODE_ENV !== "production";
  const emit =
    (at: LogLevel) =>
    (message: string, fields: Record<string, unknown> = {}) => {
      if (RANK[at] < RANK[level]) return;
      if (pretty) {
        const extra = Object.keys(fields).length > 0 ? ` ${JSON.stringify(fields)}` : "";
        write(`${at.padEnd(5)} ${message}${extra}`);
      } else {
        write(JSON.stringify({ time: new Date().toISOString(), level: at, msg: message, ...fields }));
      }
    };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}
