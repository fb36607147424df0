import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { TrellisError } from "../errors.ts";

type Task = { op: "hash"; password: string; hashOrCost: number } | { op: "compare"; password: string; hashOrCost: string };
type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void; worker: Worker };

export interface BcryptPoolSize {
  /** Worker threads; BCRYPT_WORKERS, by default one core fewer than the machine has (at least one). */
  readonly workers: number;
  /** Tasks that may wait for a worker beyond those running; more are refused at once. */
  readonly queue: number;
}

export const defaultBcryptWorkers = (): number => Math.max(1, availableParallelism() - 1);

/** Seconds a refused client is asked to wait: about what a queue of compares takes to drain. */
const RETRY_AFTER_SECONDS = 1;

/** Every worker is busy and the queue is full: answered at once, rather than after seconds in a queue. */
export class BcryptBusyError extends TrellisError {
  constructor() {
    super(503, "busy", "The server is busy; try again in a moment", undefined, { headers: { "Retry-After": String(RETRY_AFTER_SECONDS) } });
  }
}

/**
 * bcrypt costs ~0.25 s of CPU at cost 12. On the main thread a burst of
 * logins would stall every other request, so it runs in a pool of worker
 * threads, started on first use and never keeping the process alive. A
 * bounded queue turns a flood into quick 503s instead of a growing wait.
 */
class BcryptPool {
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, Pending>();
  readonly #load = new Map<Worker, number>();
  #nextId = 0;
  #size: BcryptPoolSize = { workers: defaultBcryptWorkers(), queue: 8 * defaultBcryptWorkers() };

  resize(size: BcryptPoolSize): void {
    this.#size = size;
    // Workers beyond the new size finish what they hold and go.
    for (const worker of this.#workers.splice(size.workers)) this.#retireWhenIdle(worker);
  }

  run<T>(task: Task): Promise<T> {
    if (this.#pending.size >= this.#size.workers + this.#size.queue) return Promise.reject(new BcryptBusyError());
    const worker = this.#leastBusy();
    const id = this.#nextId++;
    this.#load.set(worker, (this.#load.get(worker) ?? 0) + 1);
    worker.ref();
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject, worker });
      worker.postMessage({ id, ...task });
    });
  }

  #leastBusy(): Worker {
    const idle = this.#workers.find((worker) => (this.#load.get(worker) ?? 0) === 0);
    if (idle) return idle;
    if (this.#workers.length < this.#size.workers) return this.#start();
    return this.#workers.reduce((best, worker) => ((this.#load.get(worker) ?? 0) < (this.#load.get(best) ?? 0) ? worker : best));
  }

  #start(): Worker {
    const worker = new Worker(new URL("./bcrypt-worker.mjs", import.meta.url));
    worker.unref();
    worker.on("message", ({ id, result, error }: { id: number; result?: unknown; error?: string }) => {
      const pending = this.#pending.get(id);
      this.#pending.delete(id);
      const load = (this.#load.get(worker) ?? 1) - 1;
      this.#load.set(worker, load);
      if (load === 0) worker.unref();
      if (error !== undefined) pending?.reject(new Error(error));
      else pending?.resolve(result);
    });
    // A worker that dies fails its tasks (so no request hangs holding a transaction) and is replaced on next use.
    const retire = (error: Error) => {
      const index = this.#workers.indexOf(worker);
      if (index >= 0) this.#workers.splice(index, 1);
      this.#load.delete(worker);
      for (const [id, pending] of this.#pending) {
        if (pending.worker !== worker) continue;
        this.#pending.delete(id);
        pending.reject(error);
      }
    };
    worker.on("error", retire);
    worker.on("exit", (code) => retire(new Error(`bcrypt worker exited with code ${code}`)));
    this.#workers.push(worker);
    return worker;
  }

  #retireWhenIdle(worker: Worker): void {
    const check = () => {
      if ((this.#load.get(worker) ?? 0) > 0) return;
      worker.off("message", check);
      void worker.terminate();
    };
    worker.on("message", check);
    check();
  }
}

const pool = new BcryptPool();

/** Sizes the pool (BCRYPT_WORKERS); the process has one pool, shared by every app in it. */
export const sizeBcryptPool = (size: BcryptPoolSize): void => pool.resize(size);
export const bcryptHash = (password: string, cost: number): Promise<string> => pool.run({ op: "hash", password, hashOrCost: cost });
export const bcryptCompare = (password: string, hash: string): Promise<boolean> => pool.run({ op: "compare", password, hashOrCost: hash });

/** The cost a bcrypt hash was made with (`$2b$12$…` → 12); undefined for anything else. */
export function bcryptCostOf(hash: string): number | undefined {
  const match = /^\$2[abxy]?\$(\d{2})\$/.exec(hash);
  return match ? Number(match[1]) : undefined;
}
