/**
 * The baseline's bcrypt: bcryptjs in worker threads, sized as trellis sizes
 * its pool (src/auth/bcrypt-pool.ts): BCRYPT_WORKERS threads, by default one
 * core fewer than the machine has, and at most BCRYPT_QUEUE (8 × workers)
 * compares waiting beyond those running; one more is 503 busy at once.
 */
import os from "node:os";
import { Worker } from "node:worker_threads";
import { HttpError } from "./http.ts";

type Pending = { resolve: (ok: boolean) => void; reject: (error: Error) => void };

export function createBcryptWorkers(
  count = Number(process.env.BCRYPT_WORKERS) || Math.max(1, os.availableParallelism() - 1),
  queue = process.env.BCRYPT_QUEUE ? Number(process.env.BCRYPT_QUEUE) : 8 * count,
) {
  const pending = new Map<number, Pending>();
  const load = new Map<Worker, number>();
  let nextId = 0;
  const workers = Array.from({ length: Math.max(1, count) }, () => {
    const worker = new Worker(new URL("./bcrypt-worker.mjs", import.meta.url));
    worker.unref();
    load.set(worker, 0);
    worker.on("message", ({ id, result, error }: { id: number; result?: boolean; error?: string }) => {
      load.set(worker, (load.get(worker) ?? 1) - 1);
      const task = pending.get(id);
      pending.delete(id);
      if (error !== undefined) task?.reject(new Error(error));
      else task?.resolve(result === true);
    });
    return worker;
  });
  return {
    compare(password: string, hash: string): Promise<boolean> {
      if (pending.size >= workers.length + queue) {
        return Promise.reject(new HttpError(503, "busy", "The server is busy; try again in a moment", undefined, { "Retry-After": "1" }));
      }
      const worker = workers.reduce((best, w) => ((load.get(w) ?? 0) < (load.get(best) ?? 0) ? w : best));
      load.set(worker, (load.get(worker) ?? 0) + 1);
      const id = nextId++;
      return new Promise<boolean>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, password, hash });
      });
    },
    close: () => Promise.all(workers.map((worker) => worker.terminate())),
  };
}
