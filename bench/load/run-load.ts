/** Runs one load spec in its own autocannon process (bench/load/driver.ts) and returns what it measured. */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { childEnv, startNode } from "../lib/processes.ts";
import type { LoadResult, LoadSpec } from "./spec.ts";

let specDir: string | undefined;
let specCount = 0;

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  specDir ??= fs.mkdtempSync(path.join(os.tmpdir(), "trellis-bench-load-"));
  const file = path.join(specDir, `spec-${specCount++}.json`);
  fs.writeFileSync(file, JSON.stringify(spec));
  let stdout = "";
  const child = startNode("autocannon", ["--import", "tsx", "bench/load/driver.ts", file], childEnv({}), (chunk) => {
    stdout += chunk;
  });
  const limit = setTimeout(() => void child.stop(), (spec.duration + (spec.warmup ?? 0) + 30) * 1000);
  const code = await child.exited;
  clearTimeout(limit);
  fs.rmSync(file, { force: true });
  const line = stdout.trim().split("\n").at(-1);
  if (code !== 0 || !line) throw new Error(`autocannon against ${spec.url} failed (exit ${code}):\n${child.output()}`);
  return JSON.parse(line) as LoadResult;
}
