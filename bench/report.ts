/** results.json and the printed table, from what the scenarios measured. */
import fs from "node:fs";
import { machine } from "./config.ts";
import { type Measured, pairedRatio } from "./lib/interleave.ts";
import { ratio } from "./lib/median.ts";
import type { LoadTimes } from "./scenarios/load-1000.ts";
import type { JwtResult } from "./scenarios/pairs.ts";
import type { ScenarioRow } from "./scenarios/row.ts";
import type { StormResult } from "./scenarios/storm.ts";
import type { Scaling } from "./scenarios/workers.ts";

export interface Measurements {
  readonly public: ScenarioRow;
  readonly jwt: JwtResult;
  readonly jwtDistinct: ScenarioRow;
  readonly jwtSelect: ScenarioRow;
  readonly refresh: ScenarioRow;
  readonly login: ScenarioRow;
  readonly storm: StormResult;
  readonly workers: Scaling;
  readonly bcryptWorkers: Scaling;
  readonly loadTimes: LoadTimes;
  readonly idleRss: { readonly pglite: number | null; readonly postgres: number | null };
  /** Where the baseline's answers differ from trellis's (scenarios/parity.ts); empty when they match. */
  readonly parity: readonly string[];
  readonly seconds: number;
}

/** trellis under one condition against trellis under another, in the shape of a scenario row. */
function versus(trellis: Measured, other: Measured, baselineIs: string, connections: number, rss: number | null): ScenarioRow {
  return {
    trellis_rps: trellis.rps,
    baseline_rps: other.rps,
    ratio: ratio(trellis.rps, other.rps),
    paired_ratio: pairedRatio(trellis, other),
    trellis_p99_ms: trellis.p99_ms,
    baseline_p99_ms: other.p99_ms,
    trellis_p50_ms: trellis.p50_ms,
    baseline_p50_ms: other.p50_ms,
    p99_ratio: ratio(trellis.p99_ms, other.p99_ms),
    baseline_is: baselineIs,
    connections,
    trellis_rss_mb: rss,
    baseline_rss_mb: null,
    failures: { trellis: trellis.failures, baseline: other.failures },
    status: { trellis: trellis.status, baseline: other.status },
  };
}

export function results(m: Measurements) {
  const jwtRow = m.jwt.row;

  return {
    scenarios: {
      public: m.public,
      jwt: jwtRow,
      jwt_distinct_tokens: m.jwtDistinct,
      jwt_select: m.jwtSelect,
      refresh: m.refresh,
      login: m.login,
      storm: versus(
        m.storm.storm,
        m.storm.idle,
        "trellis idle (the storm row is trellis during the login storm)",
        jwtRow.connections,
        null,
      ),
      express: versus(m.jwt.trellis, m.jwt.express, "express + jsonwebtoken", jwtRow.connections, jwtRow.trellis_rss_mb),
    },
    storm_p99_ratio: m.storm.storm_p99_ratio,
    express_ratio: m.jwt.express_ratio,
    workers_ratio: m.workers.ratio,
    bcrypt_workers_ratio: m.bcryptWorkers.ratio,
    load_1000_ms: m.loadTimes.load_1000_ms,
    reload_one_of_1000_ms: m.loadTimes.reload_one_of_1000_ms,
    idle_rss_mb: m.idleRss,
    parity: { matches: m.parity.length === 0, differences: m.parity },
    bare: {
      public_ratio: m.public.bare?.ratio ?? null,
      public_p99_ratio: m.public.bare?.p99_ratio ?? null,
      jwt_ratio: jwtRow.bare?.ratio ?? null,
      jwt_p99_ratio: jwtRow.bare?.p99_ratio ?? null,
    },
    details: {
      storm: {
        idle_p99_ms: m.storm.idle.p99_ms,
        storm_p99_ms: m.storm.storm.p99_ms,
        storm_login_rps: m.storm.storm_login_rps,
        storm_login_failures: m.storm.storm_login_failures,
      },
      workers: m.workers,
      bcrypt_workers: m.bcryptWorkers,
      load_1000: m.loadTimes,
    },
    machine: { ...machine(), bench_seconds: m.seconds },
  };
}

export type Results = ReturnType<typeof results>;

const num = (value: number | null | undefined, digits = 0) =>
  value === null || value === undefined
    ? "—"
    : value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const pair = (a: number | null, b: number | null, digits = 2) => `${num(a, digits)} / ${num(b, digits)}`;

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

const codes = (status: Readonly<Record<string, number>>) =>
  Object.entries(status)
    .filter(([code]) => !code.startsWith("2"))
    .map(([code, count]) => `${count}× ${code}`)
    .join(", ");
const failed = (row: ScenarioRow) =>
  row.failures.trellis || row.failures.baseline
    ? `  ! failures: trellis ${row.failures.trellis} (${codes(row.status.trellis) || "errors"}), baseline ${row.failures.baseline} (${codes(row.status.baseline) || "errors"})`
    : "";

export function formatTable(r: Results): string {
  const mc = r.machine;
  const out: string[] = [];
  out.push(
    `trellis bench — ${mc.database === "postgres" ? "PostgreSQL" : "PGlite"}, ${mc.cpus} CPUs, Node ${mc.node}, BCRYPT_COST=${mc.bcrypt_cost}, ` +
      `${mc.rounds} interleaved rounds × ${mc.duration_s} s (+${mc.warmup_s} s warm-up), medians; ${mc.date}; ` +
      `commit ${mc.commit ?? "?"}${mc.src_changed ? " with uncommitted changes in src/" : ""}`,
  );
  // The bench itself keeps about two CPUs busy (a server and autocannon): more than that is someone else's work.
  const busy = mc.loadavg_1m_start > 1.5 || mc.loadavg_1m > mc.cpus + 1;
  out.push(
    busy
      ? `! the machine was busy with other work (load average ${mc.loadavg_1m_start} at the start, ${mc.loadavg_1m} at the end, on ${mc.cpus} CPUs): ratios are noisier than usual`
      : `load average ${mc.loadavg_1m_start} at the start, ${mc.loadavg_1m} at the end, on ${mc.cpus} CPUs`,
    r.parity.matches
      ? "the baseline answers what trellis answers (status, JSON, headers) on every checked request"
      : `! the baseline's answers differ from trellis's on ${r.parity.differences.length} request(s): ${r.parity.differences.join("; ")}`,
    "",
  );
  const main: [string, ScenarioRow][] = [
    ["public", r.scenarios.public],
    ["jwt", r.scenarios.jwt],
    ["jwt (12k tokens)", r.scenarios.jwt_distinct_tokens],
    ["jwt_select", r.scenarios.jwt_select],
    ["refresh", r.scenarios.refresh],
    [`login (${r.scenarios.login.connections} conn)`, r.scenarios.login],
  ];
  out.push(
    table(
      ["scenario", "trellis req/s", "baseline req/s", "ratio", "paired", "p50 ms t / b", "p99 ms t / b", "RSS MB t / b"],
      main.map(([name, row]) => [
        name,
        num(row.trellis_rps),
        num(row.baseline_rps),
        num(row.ratio, 2),
        num(row.paired_ratio, 2),
        pair(row.trellis_p50_ms, row.baseline_p50_ms),
        pair(row.trellis_p99_ms, row.baseline_p99_ms),
        pair(row.trellis_rss_mb, row.baseline_rss_mb, 0),
      ]),
    ),
  );
  for (const [name, row] of main) if (failed(row)) out.push(`${name}${failed(row)}`);
  out.push("", "against the bare Hono handler (same rounds):");
  const bareRows: [string, ScenarioRow][] = [
    ["public", r.scenarios.public],
    ["jwt", r.scenarios.jwt],
  ];
  out.push(
    table(
      ["scenario", "trellis req/s", "bare req/s", "ratio", "paired", "p99 ms t / bare", "p99 ratio"],
      bareRows.map(([name, row]) => [
        name,
        num(row.trellis_rps),
        num(row.bare?.rps),
        num(row.bare?.ratio, 2),
        num(row.bare?.paired_ratio, 2),
        pair(row.trellis_p99_ms, row.bare?.p99_ms ?? null),
        num(row.bare?.p99_ratio, 2),
      ]),
    ),
  );
  const s = r.details.storm;
  const scaling = (x: Scaling) =>
    x.ratio === null ? `— (${x.skipped ?? "not measured"})` : `${num(x.ratio, 2)} (${num(x.two?.rps)} vs ${num(x.one?.rps)} req/s)`;
  out.push(
    "",
    `express_ratio         ${num(r.express_ratio, 2)}  (trellis JWT ${num(r.scenarios.express.trellis_rps)} req/s, Express + jsonwebtoken ${num(r.scenarios.express.baseline_rps)} req/s)`,
    `storm_p99_ratio       ${num(r.storm_p99_ratio, 2)}  (JWT p99 ${num(s.storm_p99_ms, 2)} ms during the login storm, ${num(s.idle_p99_ms, 2)} ms idle; ` +
      `storm: ${num(s.storm_login_rps, 1)} logins/s${s.storm_login_failures ? `, ${s.storm_login_failures} failed` : ""}; ` +
      `JWT req/s ${num(r.scenarios.storm.trellis_rps)} vs ${num(r.scenarios.storm.baseline_rps)} idle)`,
    `workers_ratio         ${scaling(r.details.workers)}`,
    `bcrypt_workers_ratio  ${scaling(r.details.bcrypt_workers)}`,
    `load_1000_ms          ${num(r.load_1000_ms)} (cold; warm ${num(r.details.load_1000.load_1000_warm_ms)})` +
      (r.details.load_1000.error ? ` — failed: ${r.details.load_1000.error}` : ""),
    `reload_one_of_1000_ms ${num(r.reload_one_of_1000_ms)} (first ${num(r.details.load_1000.reload_first_ms)}; ${r.details.load_1000.reload_kind ?? "—"}; ` +
      `loadApp alone with its cache ${num(r.details.load_1000.loadapp_cached_after_one_change_ms)})`,
    `idle_rss_mb           PGlite ${num(r.idle_rss_mb.pglite, 1)}, PostgreSQL ${num(r.idle_rss_mb.postgres, 1)}`,
    "",
    `bench took ${num(mc.bench_seconds)} s`,
  );
  return `${out.join("\n")}\n`;
}

export function writeResults(file: string, r: Results): void {
  fs.writeFileSync(file, `${JSON.stringify(r, null, 2)}\n`);
}
