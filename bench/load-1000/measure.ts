/**
 * `node --import tsx bench/load-1000/measure.ts <dir>`, in a fresh process:
 * generates the 1,000-endpoint app, times loadApp on it (cold, as `trellis
 * start` pays it, then warm), then times a reload after one file changes.
 * Prints one JSON line.
 */
import fs from "node:fs";
import path from "node:path";
import { loadApp } from "../../src/loader/load-app.ts";
import { REPO } from "../config.ts";
import { ENDPOINTS, generateApp } from "./generate.ts";

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: Math.round((performance.now() - start) * 10) / 10, value };
}

/**
 * The reload `trellis dev` does after a save. Today that is loadApp over the
 * whole folder again; when incremental reload lands, call it here instead
 * (and say so in `reload_kind`).
 */
export async function reloadAfterChangingOneFile(dir: string, changed: string): Promise<{ ms: number; kind: string; endpoints: number }> {
  fs.writeFileSync(changed, fs.readFileSync(changed, "utf8").replace(/^summary: (.*)$/m, "summary: $1 (changed)"));
  const { ms, value } = await timed(() => loadApp(dir));
  return { ms, kind: "full loadApp", endpoints: value.app?.endpoints.length ?? 0 };
}

const dir = process.argv[2];
if (!dir) throw new Error("usage: measure.ts <dir>");
const changed = generateApp(dir, fs.readFileSync(path.join(REPO, "roles.yaml"), "utf8"));
const cold = await timed(() => loadApp(dir));
const problems = cold.value.issues.filter((issue) => issue.severity === "error");
if (!cold.value.app || cold.value.app.endpoints.length !== ENDPOINTS) {
  throw new Error(`the generated app did not load: ${problems.length} error(s), e.g. ${JSON.stringify(problems[0])}`);
}
const warm = await timed(() => loadApp(dir));
const reload = await reloadAfterChangingOneFile(dir, changed);
process.stdout.write(
  `${JSON.stringify({ load_1000_ms: cold.ms, load_1000_warm_ms: warm.ms, reload_one_of_1000_ms: reload.ms, reload_kind: reload.kind, endpoints: reload.endpoints })}\n`,
);
