/**
 * The login storm: trellis's JWT-only endpoint measured alone and while a
 * second autocannon process hammers POST /auth/login on the same server
 * (bcrypt at BCRYPT_COST, STORM_CONNECTIONS connections, one user each).
 * Idle and storm runs alternate; storm_p99_ratio = storm p99 / idle p99.
 */
import { DURATION_S, LOGIN_CONNECTIONS, STORM_CONNECTIONS, WARMUP_S } from "../config.ts";
import { interleave, type Measured } from "../lib/interleave.ts";
import { ratio } from "../lib/median.ts";
import { runLoad } from "../load/run-load.ts";
import type { LoadResult } from "../load/spec.ts";
import type { BenchContext } from "./context.ts";
import { claims, logins } from "./requests.ts";

export interface StormResult {
  readonly idle: Measured;
  readonly storm: Measured;
  readonly storm_p99_ratio: number | null;
  /** Logins per second the storm got through while the probe ran, median over rounds. */
  readonly storm_login_rps: number;
  readonly storm_login_failures: number;
}

/** Lets the storm reach its pace before the probe starts, and outlast it. */
const LEAD_S = 1;

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
      around: async (contender, probe) => {
        if (contender.name !== "storm") return probe();
        const storm = runLoad({
          url,
          connections: STORM_CONNECTIONS,
          duration: DURATION_S + WARMUP_S + 2 * LEAD_S + 1,
          request: logins(stormUsers),
        });
        await new Promise((resolve) => setTimeout(resolve, LEAD_S * 1000 + 500));
        const result = await probe();
        stormRuns.push(await storm);
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
