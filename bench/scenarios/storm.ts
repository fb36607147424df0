/**
 * The login storm: trellis's JWT-only endpoint measured alone and while a
 * second autocannon process hammers POST /auth/login on the same server
 * (bcrypt at BCRYPT_COST, STORM_CONNECTIONS connections, one user each).
 * Idle and storm runs alternate; storm_p99_ratio = storm p99 / idle p99.
 */
import { LOGIN_CONNECTIONS, STORM_CONNECTIONS } from "../config.ts";
import { interleave, type Measured } from "../lib/interleave.ts";
import { ratio } from "../lib/median.ts";
import { runSecondLoad } from "../load/run-load.ts";
import type { LoadResult } from "../load/spec.ts";
import type { BenchContext } from "./context.ts";
import { LOGIN_SETTLE_MS } from "./pairs.ts";
import { claims, logins } from "./requests.ts";

export interface StormResult {
  readonly idle: Measured;
  readonly storm: Measured;
  readonly storm_p99_ratio: number | null;
  /** Logins per second the storm got through while the probe ran, median over rounds. */
  readonly storm_login_rps: number;
  readonly storm_login_failures: number;
}

/** Lets the storm reach its pace before the probe starts (its process is already running)… */
const LEAD_S = 1;
/** …and outlast it. */
const TAIL_S = 0.5;

export async function stormScenario(ctx: BenchContext): Promise<StormResult> {
  const stormUsers = ctx.trellis.seed.users.slice(1 + LOGIN_CONNECTIONS, 1 + LOGIN_CONNECTIONS + STORM_CONNECTIONS);
  const stormRuns: LoadResult[] = [];
  const url = ctx.trellis.server.url;
  const request = () => claims(ctx.trellis.token);
  const m = await interleave(
    [
      { name: "idle", url, request },
      { name: "storm", url, request },
    ],
    {
      around: async (contender, probe, spec) => {
        if (contender.name !== "storm") return probe();
        // The storm starts first, and lasts until the probe (with its warm-up) is over.
        const duration = LEAD_S + (spec.warmup ?? 0) + spec.duration + TAIL_S;
        const storm = runSecondLoad({ url, connections: STORM_CONNECTIONS, duration, request: logins(stormUsers) });
        await new Promise((resolve) => setTimeout(resolve, LEAD_S * 1000));
        const result = await probe();
        stormRuns.push(await storm);
        // The storm's last logins finish before the next idle run.
        await new Promise((resolve) => setTimeout(resolve, LOGIN_SETTLE_MS));
        return result;
      },
    },
  );
  const idle = m.idle as Measured;
  const storm = m.storm as Measured;
  const loginRps = stormRuns.map((r) => r.rps).sort((a, b) => a - b);
  return {
    idle,
    storm,
    storm_p99_ratio: ratio(storm.p99_ms, idle.p99_ms),
    storm_login_rps: Math.round((loginRps[Math.floor(loginRps.length / 2)] ?? 0) * 10) / 10,
    storm_login_failures: stormRuns.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0),
  };
}
