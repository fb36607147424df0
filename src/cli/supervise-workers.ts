import cluster, { type Worker } from "node:cluster";
import type { Logger } from "../logger.ts";

/** A worker that lived this long was healthy: the next death restarts at once again. */
const HEALTHY_AFTER_MS = 30_000;
const MAX_RESTART_DELAY_MS = 30_000;

export interface SuperviseOptions {
  readonly workers: number;
  /** Given to every worker: the port is chosen once, so that all of them share it. */
  readonly env: NodeJS.ProcessEnv;
  readonly logger: Logger;
  /** How long the workers get to finish their requests on SIGTERM before they are killed. */
  readonly graceMs: number;
}

/**
 * `trellis start --workers N` in the primary process: forks N workers that
 * serve one port (node:cluster hands out the connections), starts another
 * when one dies (backing off while they keep dying young), and on SIGTERM
 * or SIGINT lets every worker finish its requests, then exits.
 */
export function superviseWorkers({ workers, env, logger, graceMs }: SuperviseOptions): void {
  let stopping = false;
  let restarts = 0;
  const startedAt = new Map<Worker, number>();

  const fork = () => {
    const worker = cluster.fork(env);
    startedAt.set(worker, Date.now());
  };
  cluster.on("exit", (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker) ?? 0);
    startedAt.delete(worker);
    if (stopping) {
      if (startedAt.size === 0) process.exit(0);
      return;
    }
    restarts = lived > HEALTHY_AFTER_MS ? 0 : restarts + 1;
    const delay = restarts <= 1 ? 0 : Math.min(MAX_RESTART_DELAY_MS, 100 * 2 ** restarts);
    logger.warn(`worker ${worker.process.pid} died (${signal ?? `exit code ${code}`}); starting another${delay ? ` in ${delay} ms` : ""}`, {
      pid: worker.process.pid,
      code,
      signal,
    });
    setTimeout(fork, delay).unref();
  });
  for (let index = 0; index < workers; index++) fork();

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: stopping ${startedAt.size} worker(s)`);
    for (const worker of startedAt.keys()) worker.process.kill("SIGTERM");
    setTimeout(() => {
      for (const worker of startedAt.keys()) worker.process.kill("SIGKILL");
      process.exit(1);
    }, graceMs + 2000).unref();
    if (startedAt.size === 0) process.exit(0);
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}
