/**
 * `node --import tsx bench/profile.ts [--server trellis|baseline|bare] [scenario…]`:
 * runs the server (trellis by default) under `node --cpu-prof`, once per
 * scenario (public, jwt, jwt_distinct, jwt_select, refresh; by default public
 * and jwt), with the bench's load, and prints the functions and modules with
 * the most self time during the load. Not part of `npm run bench`.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CONNECTIONS, DATABASE_URL, DISTINCT_TOKENS } from "./config.ts";
import { accessToken } from "./lib/access-tokens.ts";
import { buildBenchApp } from "./lib/app-dir.ts";
import { summarise } from "./lib/cpu-profile.ts";
import { guardChildren, stopAllChildren } from "./lib/processes.ts";
import { startSeededBaseline, startSeededTrellis } from "./lib/seeded.ts";
import { startBare } from "./lib/servers.ts";
import { closeLoadProcesses, runLoad } from "./load/run-load.ts";
import type { RequestSpec } from "./load/spec.ts";
import { claims, hello, manyClaims, refreshChains, userRow } from "./scenarios/requests.ts";

const SECONDS = Number(process.env.BENCH_PROFILE_SECONDS ?? 6);

async function main(): Promise<void> {
  guardChildren();
  const args = process.argv.slice(2);
  const at = args.indexOf("--server");
  const kind = at >= 0 ? (args.splice(at, 2)[1] ?? "trellis") : "trellis";
  const names = args.length ? args : ["public", "jwt"];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "trellis-profile-"));
  // Also on Ctrl-C, which ends the process before any finally runs.
  const removeTmp = () => fs.rmSync(tmp, { recursive: true, force: true });
  process.on("exit", removeTmp);
  try {
    const appDir = buildBenchApp(tmp);
    for (const name of names) {
      const profileDir = fs.mkdtempSync(path.join(tmp, `${name}-prof-`));
      const nodeFlags = ["--cpu-prof", `--cpu-prof-dir=${profileDir}`];
      const seeded = {
        tmp,
        databaseUrl: DATABASE_URL,
        prefix: `profile-${Date.now().toString(36)}-${name}`,
        users: 1,
        refreshTokens: CONNECTIONS * 2,
      };
      const { server, seed } =
        kind === "baseline"
          ? await startSeededBaseline({ ...seeded, nodeFlags })
          : kind === "bare"
            ? { server: await startBare(nodeFlags), seed: { users: [{ id: randomUUID(), email: "bare@example.com" }], refreshTokens: [] } }
            : await startSeededTrellis({ ...seeded, appDir, name: `trellis --cpu-prof (${name})`, nodeFlags });
      const user = seed.users[0];
      if (!user) throw new Error("no seeded user");
      const token = await accessToken(user);
      const requests: Record<string, () => Promise<RequestSpec>> = {
        public: async () => hello(),
        jwt: async () => claims(token),
        jwt_distinct: async () => manyClaims(await Promise.all(Array.from({ length: DISTINCT_TOKENS }, () => accessToken(user)))),
        jwt_select: async () => userRow(token),
        refresh: async () => refreshChains(seed.refreshTokens),
      };
      const request = requests[name];
      if (!request) throw new Error(`unknown scenario ${name}; one of ${Object.keys(requests).join(", ")}`);
      const spec = await request();
      const result = await runLoad({ url: server.url, connections: CONNECTIONS, duration: SECONDS, warmup: 1, request: spec });
      const loadEnded = performance.now();
      await server.stop();
      // The profile ends when trellis exits: keep the measured seconds before the load ended, not start-up or shutdown.
      const exitLag = (performance.now() - loadEnded) / 1000;
      const file = fs.readdirSync(profileDir).find((f) => f.endsWith(".cpuprofile"));
      if (!file) throw new Error(`${name}: trellis wrote no .cpuprofile`);
      const summary = summarise(path.join(profileDir, file), 25, { fromEndS: exitLag + SECONDS - 0.2, toEndS: exitLag + 0.1 });
      const lines = [
        `\n== ${kind}, ${name}: ${Math.round(result.rps)} req/s, p99 ${result.p99_ms.toFixed(2)} ms under the profiler; ${summary.samples} samples, idle ${summary.idlePercent}%`,
        "top self time by function:",
        ...summary.functions.map((f) => `  ${f.percent.toFixed(1).padStart(5)}%  ${f.name}  ${f.where}`),
        "by module:",
        ...summary.modules.map((m) => `  ${m.percent.toFixed(1).padStart(5)}%  ${m.name}`),
      ];
      process.stdout.write(`${lines.join("\n")}\n`);
    }
  } finally {
    await closeLoadProcesses();
    await stopAllChildren();
    removeTmp();
  }
}

await main();
