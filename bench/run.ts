/**
 * `npm run bench`: trellis against a hand-written Hono + jose + kysely
 * baseline doing the same work, a bare handler and Express + jsonwebtoken.
 * Every server and every load generator (autocannon) is its own process;
 * each scenario's servers are measured interleaved and the medians reported as
 * ratios of the same run, since these machines are shared and noisy.
 * Prints a table and writes bench/results.json. See docs/performance.md.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DATABASE_URL, REPO } from "./config.ts";
import { accessToken } from "./lib/access-tokens.ts";
import { buildBenchApp } from "./lib/app-dir.ts";
import { guardChildren, stopAllChildren } from "./lib/processes.ts";
import { startSeededBaseline, startSeededTrellis } from "./lib/seeded.ts";
import { startBare, startExpress } from "./lib/servers.ts";
import { formatTable, results, writeResults } from "./report.ts";
import { type BenchContext, side } from "./scenarios/context.ts";
import { idleRss, idleRssOnPglite } from "./scenarios/idle-rss.ts";
import { loadTimes } from "./scenarios/load-1000.ts";
import {
  jwtDistinctScenario,
  jwtScenario,
  jwtSelectScenario,
  loginScenario,
  publicScenario,
  refreshScenario,
  refreshTokensNeeded,
} from "./scenarios/pairs.ts";
import { checkParity } from "./scenarios/parity.ts";
import { stormScenario } from "./scenarios/storm.ts";
import { bcryptWorkersScenario, workersScenario } from "./scenarios/workers.ts";

/** Users per side: user 0 for the JWT scenarios, then the login users, the storm's, and more for refresh chains. */
const USERS = 64;

const log = (message: string) =>
  process.stderr.write(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}\n`);
const started = performance.now();

async function main(): Promise<void> {
  guardChildren();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "trellis-bench-"));
  // Also on Ctrl-C, which ends the process before any finally runs.
  const removeTmp = () => fs.rmSync(tmp, { recursive: true, force: true });
  process.on("exit", removeTmp);
  const runId = `bench-${Date.now().toString(36)}-${randomBytes(2).toString("hex")}`;
  try {
    const appDir = buildBenchApp(tmp);
    const seeded = { tmp, databaseUrl: DATABASE_URL, users: USERS, refreshTokens: refreshTokensNeeded() };
    log(`seeding and starting servers on ${DATABASE_URL ? "PostgreSQL" : "PGlite"} (BCRYPT_COST=10)`);
    const [trellis, baseline, bare, express] = await Promise.all([
      startSeededTrellis({ ...seeded, appDir, prefix: `${runId}-trellis` }),
      startSeededBaseline({ ...seeded, prefix: `${runId}-baseline` }),
      startBare(),
      startExpress(),
    ]);
    const firstUser = (users: typeof trellis.seed.users) => {
      const user = users[0];
      if (!user) throw new Error("no seeded user");
      return user;
    };
    const ctx: BenchContext = {
      trellis: side(trellis.server, trellis.seed, await accessToken(firstUser(trellis.seed.users))),
      baseline: side(baseline.server, baseline.seed, await accessToken(firstUser(baseline.seed.users))),
      bare,
      express,
      appDir,
      tmp,
      databaseUrl: DATABASE_URL,
      runId,
    };
    const startRss = await idleRss(trellis.server);
    log("parity: the baseline's answers against trellis's");
    const parity = await checkParity(ctx);
    for (const difference of parity) log(`! ${difference}`);

    log("public");
    const publicRow = await publicScenario(ctx);
    log("jwt (trellis, baseline, bare, express)");
    const jwt = await jwtScenario(ctx);
    log("jwt with 12,000 distinct tokens");
    const jwtDistinct = await jwtDistinctScenario(ctx);
    log("jwt_select");
    const jwtSelect = await jwtSelectScenario(ctx);
    log("refresh");
    const refresh = await refreshScenario(ctx);
    log("login");
    const login = await loginScenario(ctx);
    log("storm");
    const storm = await stormScenario(ctx);
    await Promise.all([baseline.server.stop(), bare.stop(), express.stop()]);
    log("workers (--workers 2 against 1)");
    const workers = await workersScenario(ctx);
    log("bcrypt workers (BCRYPT_WORKERS=2 against 1)");
    const bcryptWorkers = await bcryptWorkersScenario(ctx);
    const pgliteRss = DATABASE_URL ? await idleRssOnPglite(appDir, tmp, runId) : startRss;
    await trellis.server.stop();
    log("load and reload of 1,000 endpoints");
    const times = await loadTimes(tmp);

    const r = results({
      public: publicRow,
      jwt,
      jwtDistinct,
      jwtSelect,
      refresh,
      login,
      storm,
      workers,
      bcryptWorkers,
      loadTimes: times,
      idleRss: { pglite: pgliteRss, postgres: DATABASE_URL ? startRss : null },
      parity,
      seconds: Math.round((performance.now() - started) / 1000),
    });
    const file = path.join(REPO, "bench", "results.json");
    writeResults(file, r);
    process.stdout.write(`\n${formatTable(r)}wrote ${path.relative(process.cwd(), file)}\n`);
  } finally {
    await stopAllChildren();
    removeTmp();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
