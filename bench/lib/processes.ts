/**
 * Child processes of the bench: servers and load generators. Every child is
 * registered here and killed when the bench ends, however it ends.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import { REPO } from "../config.ts";

const children = new Set<ChildProcess>();

/** The variables trellis (or a baseline) reads: never inherited from the shell that runs the bench. */
const SERVER_VARIABLES =
  /^(PORT|HOST|APP_DIR|DATA_DIR|DATABASE_URL|NODE_ENV|JWT_.*|ENCRYPTION_KEY|ACCESS_TOKEN_TTL|REFRESH_TOKEN_TTL|SMTP_URL|MAIL_FROM|PUBLIC_URL|BODY_LIMIT|BCRYPT_.*|TRUST_PROXY|LOG_LEVEL)$/;

export function childEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!SERVER_VARIABLES.test(name)) env[name] = value;
  for (const [name, value] of Object.entries(extra)) if (value !== undefined) env[name] = value;
  return env;
}

export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly pid: number;
  /** The last 64 KiB of stdout and stderr, for error messages. */
  output(): string;
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

const OUTPUT_KEEP = 64 * 1024;

/**
 * Starts `node <args>` in the repository; its output is kept (the tail) and,
 * with `onStdout`, passed on. With `stdin`, the child's stdin is a pipe.
 */
export function startNode(
  name: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  onStdout?: (chunk: string) => void,
  { stdin = false }: { stdin?: boolean } = {},
): Child {
  const child = spawn(process.execPath, [...args], { cwd: REPO, env, stdio: [stdin ? "pipe" : "ignore", "pipe", "pipe"] });
  if (child.pid === undefined) throw new Error(`${name}: could not start node ${args.join(" ")}`);
  children.add(child);
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString("utf8")).slice(-OUTPUT_KEEP);
  };
  child.stdout?.on("data", (chunk: Buffer) => {
    keep(chunk);
    onStdout?.(chunk.toString("utf8"));
  });
  child.stderr?.on("data", keep);
  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code, signal) => {
      children.delete(child);
      resolve(code ?? (signal ? -1 : null));
    });
  });
  return {
    name,
    process: child,
    pid: child.pid,
    output: () => output,
    exited,
    stop: () => stopChild(child, exited),
  };
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
async function stopChild(child: ChildProcess, exited: Promise<unknown>, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

let shuttingDown = false;

/** True once the bench has begun to stop every child: an exit then is expected. */
export const isShuttingDown = (): boolean => shuttingDown;

/** Kills every child still running, at once: for the exit path. */
export function killAllChildren(): void {
  shuttingDown = true;
  for (const child of children) child.kill("SIGKILL");
  children.clear();
}

/** Stops every child still running, politely first. */
export async function stopAllChildren(): Promise<void> {
  shuttingDown = true;
  await Promise.all(
    [...children].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
          setTimeout(() => child.kill("SIGKILL"), 5000).unref();
        }),
    ),
  );
}

let guarded = false;

/** However the bench ends (an error, Ctrl-C, a kill), no server or load generator outlives it. */
export function guardChildren(): void {
  if (guarded) return;
  guarded = true;
  process.on("exit", killAllChildren);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      killAllChildren();
      process.exit(130);
    });
  }
}

/** VmRSS (or another /proc/<pid>/status field) in MiB; null where /proc is not there. */
export function memoryMb(pid: number, field: "VmRSS" | "VmHWM" = "VmRSS"): number | null {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1];
    return kb === undefined ? null : Math.round((Number(kb) / 1024) * 10) / 10;
  } catch {
    return null;
  }
}
