/**
 * `node --import tsx bench/load-1000/measure.ts <dir>`, in a fresh process:
 * generates the 1,000-endpoint app (tests/helpers/generated-app.ts), times loadApp on it (cold, as `trellis
 * start` pays it, then warm, then with the cache after one file changed), then
 * times the app's reload after one file changes, as `trellis dev` does it.
 * Prints one JSON line.
 */
import fs from "node:fs";
import path from "node:path";
import { loadConfig } from "../../src/config.ts";
import { createApp } from "../../src/create-app.ts";
import { createDatabase } from "../../src/db/create-database.ts";
import { loadApp } from "../../src/loader/load-app.ts";
import { createLogger } from "../../src/logger.ts";
import { generateApp } from "../../tests/helpers/generated-app.ts";
import { median } from "../lib/median.ts";

const ENDPOINTS = 1000;

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await work();
  return { ms: Math.round((performance.now() - start) * 10) / 10, value };
}

/** Saves of one file in a row; the first reload after start is slower (code not yet optimised), so the median is reported. */
const SAVES = 5;

/** Changes one endpoint file, as a save in the editor would. */
function changeOneFile(file: string, mark: string): void {
  fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/^summary: (.*)$/m, `summary: $1 (${mark})`));
}

/**
 * The reload `trellis dev` does after a save: the app's own reload(), which
 * loads the folder again with the previous load's cache (only the changed
 * file is compiled again), applies migrations and swaps in a new router.
 * The app runs on an in-memory PGlite; only the reload is timed.
 */
export async function reloadAfterChangingOneFile(
  dir: string,
  changed: string,
): Promise<{ ms: number; first_ms: number; kind: string; endpoints: number }> {
  const database = createDatabase({});
  const config = loadConfig(
    { JWT_SECRET: "bench-secret-of-at-least-thirty-two-bytes-0123456789", DATA_DIR: path.join(dir, ".data") },
    { appDir: dir },
  );
  const app = await createApp({ config, database, logger: createLogger("silent"), rebuiltOften: true, printMail: () => {} });
  try {
    const times: number[] = [];
    let endpoints = 0;
    for (let save = 0; save < SAVES; save++) {
      changeOneFile(changed, `save ${save}`);
      const { ms, value } = await timed(() => app.reload());
      if (!value.app) throw new Error("the reload failed");
      times.push(ms);
      endpoints = value.app.endpoints.length;
    }
    return {
      ms: median(times),
      first_ms: times[0] ?? Number.NaN,
      kind: `createApp().reload() as in trellis dev (loadApp with its cache, migrations, a new router), median of ${SAVES} saves`,
      endpoints,
    };
  } finally {
    await app.close();
    await database.close();
  }
}

const dir = process.argv[2];
if (!dir) throw new Error("usage: measure.ts <dir>");
// The generator the 1,000-file test uses: every file's schemas its own, so none is compiled once for many.
const changed = generateApp(dir, ENDPOINTS).files[1] ?? "";
const cold = await timed(() => loadApp(dir));
const problems = cold.value.issues.filter((issue) => issue.severity === "error");
if (!cold.value.app || cold.value.app.endpoints.length !== ENDPOINTS) {
  throw new Error(`the generated app did not load: ${problems.length} error(s), e.g. ${JSON.stringify(problems[0])}`);
}
const warm = await timed(() => loadApp(dir));
// loadApp alone after one change, with the cache of the load before it.
changeOneFile(changed, "cached");
const cached = await timed(() => loadApp(dir, { cache: warm.value.cache }));
const reload = await reloadAfterChangingOneFile(dir, changed);
process.stdout.write(
  `${JSON.stringify({
    load_1000_ms: cold.ms,
    load_1000_warm_ms: warm.ms,
    loadapp_cached_after_one_change_ms: cached.ms,
    reload_one_of_1000_ms: reload.ms,
    reload_first_ms: reload.first_ms,
    reload_kind: reload.kind,
    endpoints: reload.endpoints,
  })}\n`,
);
