/**
 * Scaling numbers of features other engineers are building; null until the
 * feature is in src/ (lib/features.ts), and null with a reason when it cannot
 * be measured here.
 *
 * - workers_ratio: `trellis start --workers 2` against `--workers 1` on the
 *   JWT-only endpoint, interleaved. Needs PostgreSQL (PGlite is one process's).
 * - bcrypt_workers_ratio: login throughput with BCRYPT_WORKERS=2 against 1,
 *   each with a queue large enough for every connection (no 503), one user per connection.
 */
import { CONNECTIONS } from "../config.ts";
import { hasBcryptWorkers, hasStartWorkers } from "../lib/features.ts";
import { interleave, type Measured } from "../lib/interleave.ts";
import { ratio } from "../lib/median.ts";
import { startSeededTrellis } from "../lib/seeded.ts";
import type { Server } from "../lib/servers.ts";
import type { BenchContext } from "./context.ts";
import { LOGIN_SETTLE_MS } from "./pairs.ts";
import { claims, logins } from "./requests.ts";

export interface Scaling {
  readonly ratio: number | null;
  /** Why the ratio is null: the feature is missing, needs PostgreSQL, or failed. */
  readonly skipped?: string;
  readonly one?: Pick<Measured, "rps" | "p50_ms" | "p99_ms" | "failures">;
  readonly two?: Pick<Measured, "rps" | "p50_ms" | "p99_ms" | "failures">;
}

const brief = ({ rps, p50_ms, p99_ms, failures }: Measured) => ({ rps, p50_ms, p99_ms, failures });

/** Starts both variants, measures them interleaved, and stops them whatever happens. */
async function compareTwo(
  start: (variant: "one" | "two") => Promise<Server>,
  measure: (one: Server, two: Server) => Promise<Record<string, Measured>>,
): Promise<Scaling> {
  const servers: Server[] = [];
  try {
    // Started side by side (setup is not measured); each is kept as soon as it is up, to be stopped whatever happens.
    const keep = (server: Server) => {
      servers.push(server);
      return server;
    };
    const [one, two] = await Promise.all([start("one").then(keep), start("two").then(keep)]);
    const m = await measure(one, two);
    const [a, b] = [m.one, m.two];
    if (!a || !b) throw new Error("missing measurement");
    return { ratio: ratio(b.rps, a.rps), one: brief(a), two: brief(b) };
  } catch (error) {
    return { ratio: null, skipped: `failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}` };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

export async function workersScenario(ctx: BenchContext): Promise<Scaling> {
  if (!hasStartWorkers()) return { ratio: null, skipped: "trellis start has no --workers yet" };
  if (!ctx.databaseUrl) return { ratio: null, skipped: "needs PostgreSQL: set BENCH_DATABASE_URL" };
  const token = ctx.trellis.token;
  return compareTwo(
    async (variant) =>
      (
        await startSeededTrellis({
          appDir: ctx.appDir,
          tmp: ctx.tmp,
          databaseUrl: ctx.databaseUrl,
          prefix: `${ctx.runId}-workers-${variant}`,
          users: 1,
          refreshTokens: 0,
          name: `trellis --workers ${variant === "one" ? 1 : 2}`,
          args: ["--workers", variant === "one" ? "1" : "2"],
        })
      ).server,
    (one, two) =>
      interleave(
        [
          { name: "one", url: one.url, request: () => claims(token) },
          { name: "two", url: two.url, request: () => claims(token) },
        ],
        { connections: CONNECTIONS },
      ),
  );
}

/** Connections of the bcrypt comparison: more than two threads can serve at once, so both pools are always busy. */
const BCRYPT_CONNECTIONS = 6;

export async function bcryptWorkersScenario(ctx: BenchContext): Promise<Scaling> {
  if (!hasBcryptWorkers()) return { ratio: null, skipped: "trellis has no BCRYPT_WORKERS yet" };
  const users = new Map<Server, BenchContext["trellis"]["seed"]["users"]>();
  return compareTwo(
    async (variant) => {
      const started = await startSeededTrellis({
        appDir: ctx.appDir,
        tmp: ctx.tmp,
        databaseUrl: ctx.databaseUrl,
        prefix: `${ctx.runId}-bcrypt-${variant}`,
        users: BCRYPT_CONNECTIONS,
        refreshTokens: 0,
        name: `trellis BCRYPT_WORKERS=${variant === "one" ? 1 : 2}`,
        env: { BCRYPT_WORKERS: variant === "one" ? "1" : "2", BCRYPT_QUEUE: String(BCRYPT_CONNECTIONS) },
      });
      users.set(started.server, started.seed.users);
      return started.server;
    },
    (one, two) =>
      interleave(
        [
          { name: "one", url: one.url, request: () => logins(users.get(one) ?? []) },
          { name: "two", url: two.url, request: () => logins(users.get(two) ?? []) },
        ],
        { connections: BCRYPT_CONNECTIONS, settleMs: LOGIN_SETTLE_MS },
      ),
  );
}
