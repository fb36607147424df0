/** Load and reload times of a 1,000-endpoint app, measured in a process of their own (bench/load-1000/measure.ts). */
import fs from "node:fs";
import path from "node:path";
import { childEnv, startNode } from "../lib/processes.ts";

export interface LoadTimes {
  readonly load_1000_ms: number | null;
  readonly load_1000_warm_ms: number | null;
  readonly loadapp_cached_after_one_change_ms?: number | null;
  readonly reload_one_of_1000_ms: number | null;
  readonly reload_first_ms?: number | null;
  readonly reload_kind: string | null;
  readonly error?: string;
}

export async function loadTimes(tmp: string): Promise<LoadTimes> {
  const dir = fs.mkdtempSync(path.join(tmp, "app-1000-"));
  let stdout = "";
  const child = startNode("load-1000", ["--import", "tsx", "bench/load-1000/measure.ts", dir], childEnv({}), (chunk) => {
    stdout += chunk;
  });
  const limit = setTimeout(() => void child.stop(), 120_000);
  const code = await child.exited;
  clearTimeout(limit);
  const line = stdout.trim().split("\n").at(-1);
  if (code !== 0 || !line) {
    const error = child.output().trim().split("\n").slice(-5).join(" | ");
    return { load_1000_ms: null, load_1000_warm_ms: null, reload_one_of_1000_ms: null, reload_kind: null, error };
  }
  return JSON.parse(line) as LoadTimes;
}
