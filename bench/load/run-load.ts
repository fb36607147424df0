/**
 * Load generator processes (bench/load/driver.ts), started once and reused:
 * `runLoad` sends a spec to the main one, and `runSecondLoad` to a second
 * one, for a load that runs beside another (the login storm).
 */
import { createInterface } from "node:readline";
import { type Child, childEnv, startNode } from "../lib/processes.ts";
import type { LoadResult, LoadSpec } from "./spec.ts";

class LoadProcess {
  #child: Child | undefined;
  #waiting: ((line: string) => void)[] = [];
  #queue: Promise<unknown> = Promise.resolve();

  #start(): Child {
    const child = startNode("autocannon", ["--import", "tsx", "bench/load/driver.ts"], childEnv({}), undefined, { stdin: true });
    child.process.stdin?.on("error", () => {});
    const lines = child.process.stdout ? createInterface({ input: child.process.stdout }) : undefined;
    lines?.on("line", (line) => this.#waiting.shift()?.(line));
    void child.exited.then((code) => {
      this.#child = undefined;
      for (const waiting of this.#waiting.splice(0))
        waiting(JSON.stringify({ error: `the load process exited (${code}):\n${child.output()}` }));
    });
    return child;
  }

  run(spec: LoadSpec): Promise<LoadResult> {
    const next = this.#queue.then(() => this.#send(spec));
    this.#queue = next.catch(() => {});
    return next;
  }

  async #send(spec: LoadSpec): Promise<LoadResult> {
    this.#child ??= this.#start();
    const child = this.#child;
    const answer = new Promise<string>((resolve) => this.#waiting.push(resolve));
    const limit = setTimeout(() => void child.stop(), (spec.duration + (spec.warmup ?? 0) + 60) * 1000);
    child.process.stdin?.write(`${JSON.stringify(spec)}\n`);
    const parsed = JSON.parse(await answer) as LoadResult | { error: string };
    clearTimeout(limit);
    if ("error" in parsed) throw new Error(`autocannon against ${spec.url} failed: ${parsed.error}`);
    return parsed;
  }

  async close(): Promise<void> {
    this.#child?.process.stdin?.end();
    await this.#child?.exited;
  }
}

const main = new LoadProcess();
const second = new LoadProcess();

export const runLoad = (spec: LoadSpec): Promise<LoadResult> => main.run(spec);
export const runSecondLoad = (spec: LoadSpec): Promise<LoadResult> => second.run(spec);
export const closeLoadProcesses = (): Promise<unknown> => Promise.all([main.close(), second.close()]);
