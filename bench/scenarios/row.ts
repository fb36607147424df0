/** One line of results.json's `scenarios`: trellis against what it is compared with, from one interleaved measurement. */

import { type Measured, pairedRatio } from "../lib/interleave.ts";
import { ratio } from "../lib/median.ts";

export interface ScenarioRow {
  readonly trellis_rps: number;
  readonly baseline_rps: number;
  /** trellis / baseline throughput (of the medians). */
  readonly ratio: number | null;
  /** The median of trellis / baseline over the rounds, each measured back to back. */
  readonly paired_ratio: number | null;
  readonly trellis_p99_ms: number;
  readonly baseline_p99_ms: number;
  readonly trellis_p50_ms: number;
  readonly baseline_p50_ms: number;
  /** trellis / baseline p99 latency. */
  readonly p99_ratio: number | null;
  /** What the baseline column is: the hand-written Hono server, or trellis itself under other conditions. */
  readonly baseline_is: string;
  readonly connections: number;
  readonly trellis_rss_mb: number | null;
  readonly baseline_rss_mb: number | null;
  /** Non-2xx answers, errors and timeouts over all rounds; anything but 0 makes the row suspect. */
  readonly failures: { readonly trellis: number; readonly baseline: number };
  /** Answers by status code over all rounds, to tell a 503 from a 401 when there are failures. */
  readonly status: { readonly trellis: Readonly<Record<string, number>>; readonly baseline: Readonly<Record<string, number>> };
  readonly bare?: {
    readonly rps: number;
    readonly p50_ms: number;
    readonly p99_ms: number;
    readonly ratio: number | null;
    readonly paired_ratio: number | null;
    readonly p99_ratio: number | null;
  };
}

export function row(
  trellis: Measured,
  baseline: Measured,
  details: { baselineIs: string; connections: number; trellisRss: number | null; baselineRss: number | null; bare?: Measured },
): ScenarioRow {
  return {
    trellis_rps: trellis.rps,
    baseline_rps: baseline.rps,
    ratio: ratio(trellis.rps, baseline.rps),
    paired_ratio: pairedRatio(trellis, baseline),
    trellis_p99_ms: trellis.p99_ms,
    baseline_p99_ms: baseline.p99_ms,
    trellis_p50_ms: trellis.p50_ms,
    baseline_p50_ms: baseline.p50_ms,
    p99_ratio: ratio(trellis.p99_ms, baseline.p99_ms),
    baseline_is: details.baselineIs,
    connections: details.connections,
    trellis_rss_mb: details.trellisRss,
    baseline_rss_mb: details.baselineRss,
    failures: { trellis: trellis.failures, baseline: baseline.failures },
    status: { trellis: trellis.status, baseline: baseline.status },
    ...(details.bare
      ? {
          bare: {
            rps: details.bare.rps,
            p50_ms: details.bare.p50_ms,
            p99_ms: details.bare.p99_ms,
            ratio: ratio(trellis.rps, details.bare.rps),
            paired_ratio: pairedRatio(trellis, details.bare),
            p99_ratio: ratio(trellis.p99_ms, details.bare.p99_ms),
          },
        }
      : {}),
  };
}
