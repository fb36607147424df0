// One bcrypt worker thread of the baseline (bench/servers/bcrypt-workers.ts): compareSync off the main thread.
import { parentPort } from "node:worker_threads";
import bcrypt from "bcryptjs";

parentPort.on("message", ({ id, password, hash }) => {
  try {
    parentPort.postMessage({ id, result: bcrypt.compareSync(password, hash) });
  } catch (error) {
    parentPort.postMessage({ id, error: error instanceof Error ? error.message : String(error) });
  }
});
