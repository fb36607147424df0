import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

type Task = { op: "hash"; password: string; hashOrCost: number } | { op: "compare"; password: string; hashOrCost: string };
type Pending = { resolve: (value: unknown) => void; reject: (error: Error) => void; worker: Worker };

/**
 * bcrypt costs ~0.3 s of CPU at cost 12. On the main thread a burst of
 * logins would stall every other request, so it runs in a small pool of
 * worker threads, started on first use and never keeping the process alive.
 */
class BcryptPool {
  readonly #workers: Worker[] = [];
  readonly #pending = new Map<number, Pending>();
  readonly #load = new Map<Worker, number>();
  #nextId = 0;

  run<T>(task: Task): Promise<T> {
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
    if (this.#workers.length < Math.max(1, availableParallelism())) {
      const idle = this.#workers.find((worker) => (this.#load.get(worker) ?? 0) === 0);
      if (idle) return idle;
      return this.#start();
    }
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
      if (index < 0) return;
      this.#workers.splice(index, 1);
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
}

const pool = new BcryptPool();

export const bcryptHash = (password: string, cost: number): Promise<string> => pool.run({ op: "hash", password, hashOrCost: cost });
export const bcryptCompare = (password: string, hash: string): Promise<boolean> => pool.run({ op: "compare", password, hashOrCost: hash });
