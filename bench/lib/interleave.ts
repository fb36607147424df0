/**
 * Measures several servers under the same load, interleaved: A, B, then
 * B, A, … for ROUNDS rounds, so a noisy neighbour hits every side alike. Each
 * side warms up before its first round; the reported numbers are medians over
 * rounds, and `pairedRatio` is the median of the per-round ratios.
 */
import { CONNECTIONS, DURATION_S, ROUNDS, WARMUP_S } from "../config.ts";
import { runLoad } from "../load/run-load.ts";
import type { LoadResult, LoadSpec, RequestSpec } from "../load/spec.ts";
import { median } from "./median.ts";

export interface Contender {
  readonly name: string;
  readonly url: string;
  /** The request of a round; called once per run, so each run can get fresh tokens. */
  readonly request: () => RequestSpec;
}

export interface Measured {
  readonly rps: number;
  readonly p50_ms: number;
  readonly p99_ms: number;
  /** Non-2xx answers, socket errors and timeouts over every round: a number measured on failures is not a number. */
  readonly failures: number;
  /** Answers by status code, over every round. */
  readonly status: Readonly<Record<string, number>>;
  readonly runs: readonly LoadResult[];
}

export function summarise(runs: readonly LoadResult[]): Measured {
  return {
    rps: Math.round(median(runs.map((r) => r.rps))),
    p50_ms: Math.round(median(runs.map((r) => r.p50_ms)) * 100) / 100,
    p99_ms: Math.round(median(runs.map((r) => r.p99_ms)) * 100) / 100,
    failures: runs.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0),
    status: runs.reduce<Record<string, number>>((all, r) => {
      for (const [code, count] of Object.entries(r.status)) all[code] = (all[code] ?? 0) + count;
      return all;
    }, {}),
    runs,
  };
}

export interface InterleaveOptions {
  readonly connections?: number;
  readonly duration?: number;
  readonly rounds?: number;
  /**
   * Milliseconds to wait after a warm-up and after each run, so the requests a
   * run left in flight (slow logins) finish before the next run: otherwise
   * they would queue ahead of it, or fill trellis's bounded bcrypt queue.
   */
  readonly settleMs?: number;
  /** Called before each measured run (after the previous one), e.g. to start a background load. */
  readonly around?: (contender: Contender, run: () => Promise<LoadResult>, spec: LoadSpec) => Promise<LoadResult>;
}

export async function interleave(contenders: readonly Contender[], options: InterleaveOptions = {}): Promise<Record<string, Measured>> {
  const runs = new Map<string, LoadResult[]>(contenders.map((c) => [c.name, []]));
  const rounds = options.rounds ?? ROUNDS;
  for (let round = 0; round < rounds; round++) {
    // A, B, C, then C, B, A: no side always runs right after a given other one.
    for (const contender of round % 2 ? [...contenders].reverse() : contenders) {
      const spec: LoadSpec = {
        url: contender.url,
        connections: options.connections ?? CONNECTIONS,
        duration: options.duration ?? DURATION_S,
        ...(round === 0 && WARMUP_S > 0 ? { warmup: WARMUP_S, settle_ms: options.settleMs ?? 0 } : {}),
        request: contender.request(),
      };
      const run = () => runLoad(spec);
      const begun = performance.now();
      const result = options.around ? await options.around(contender, run, spec) : await run();
      const failures = result.non2xx + result.errors + result.timeouts;
      process.stderr.write(
        `    ${contender.name.padEnd(9)} round ${round + 1}: ${Math.round(result.rps).toLocaleString("en-US").padStart(7)} req/s, ` +
          `p99 ${result.p99_ms.toFixed(2)} ms${failures ? `, ${failures} failed` : ""} (${((performance.now() - begun) / 1000).toFixed(1)} s)\n`,
      );
      runs.get(contender.name)?.push(result);
      if (options.settleMs) await new Promise((resolve) => setTimeout(resolve, options.settleMs));
    }
  }
  return Object.fromEntries(contenders.map((c) => [c.name, summarise(runs.get(c.name) ?? [])]));
}

/** The median over rounds of a / b measured in the same round: less swayed by a noisy spell than a ratio of medians. */
export function pairedRatio(a: Measured, b: Measured): number | null {
  const ratios = a.runs.map((run, i) => {
    const other = b.runs[i];
    return other && other.rps > 0 ? run.rps / other.rps : Number.NaN;
  });
  const value = median(ratios.filter(Number.isFinite));
  return Number.isFinite(value) ? Math.round(value * 1000) / 1000 : null;
}
