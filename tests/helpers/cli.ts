import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";

export const REPO_ROOT = path.join(import.meta.dirname, "..", "..");
export const TRELLIS_BIN = path.join(REPO_ROOT, "bin", "trellis.js");

export interface Running {
  readonly child: ChildProcess;
  readonly output: () => string;
  /** Resolves with the first match of `pattern` in stdout+stderr, or rejects after `ms`. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  exited: Promise<number | null>;
}

export interface RunOptions {
  /** The folder the command runs in; the repository by default. */
  readonly cwd?: string;
  /** The `trellis` script to run; this repository's by default (an installed package's in the pack test). */
  readonly bin?: string;
}

/** Runs the real `trellis` command as a user would. */
export function runTrellis(args: string[], env: Record<string, string> = {}, options: RunOptions = {}): Running {
  const child = spawn(process.execPath, [options.bin ?? TRELLIS_BIN, ...args], {
    cwd: options.cwd ?? REPO_ROOT,
    env: { ...process.env, NODE_ENV: "test", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited,
    waitFor(pattern, ms = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (match) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(match);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern}; output so far:\n${output}`));
        }, ms);
        listeners.add(check);
        check();
        exited.then(() =>
          setTimeout(() => {
            if (listeners.has(check)) {
              listeners.delete(check);
              clearTimeout(timer);
              reject(new Error(`exited before ${pattern}; output:\n${output}`));
            }
          }, 50),
        );
      });
    },
  };
}
