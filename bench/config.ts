/** The bench's fixed settings: one place to change how long and how hard it runs. */
import { execFileSync } from "node:child_process";
import os from "node:os";

export const REPO = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** Seconds of each measured autocannon run, per server per round. */
export const DURATION_S = Number(process.env.BENCH_DURATION ?? 2.5);
/** Seconds of the unmeasured warm-up before a server's first round in a scenario. */
export const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 1);
/** Interleaved rounds per scenario (A, B, A, B, …); the reported number is the median. */
export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
export const CONNECTIONS = 50;
/** bcrypt is slow: few connections, each its own user (the per-email advisory lock would otherwise serialise them). */
export const LOGIN_CONNECTIONS = 4;
/**
 * Connections of the login storm beside the JWT probe: enough to keep every
 * bcrypt thread busy, within trellis's default queue (BCRYPT_QUEUE = 8 × workers),
 * so the storm is bcrypt work and not a flood of quick 503s.
 */
export const STORM_CONNECTIONS = 4;

export const JWT_SECRET = "bench-secret-of-at-least-thirty-two-bytes-0123456789";
export const ISSUER = "trellis";
export const AUDIENCE = "trellis";
export const BCRYPT_COST = 10;
export const PASSWORD = "correct horse battery staple";

/** More distinct access tokens than trellis's verified-token cache holds (10,000), so every check is a real one. */
export const DISTINCT_TOKENS = 12_000;

export const DATABASE_URL = process.env.BENCH_DATABASE_URL || undefined;

const loadavg = () => Math.round((os.loadavg()[0] ?? 0) * 100) / 100;
const LOADAVG_AT_START = loadavg();

/** The commit measured, and whether src/ had changes not committed yet (other engineers work in this tree). */
function revision(): { commit: string | null; src_changed: boolean | null } {
  try {
    const git = (...args: string[]) =>
      execFileSync("git", args, { cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    return { commit: git("rev-parse", "--short", "HEAD"), src_changed: git("status", "--porcelain", "--", "src").length > 0 };
  } catch {
    return { commit: null, src_changed: null };
  }
}

export const machine = () => ({
  ...revision(),
  cpus: os.availableParallelism(),
  cpu_model: os.cpus()[0]?.model ?? "unknown",
  node: process.version,
  database: DATABASE_URL ? "postgres" : "pglite",
  date: new Date().toISOString(),
  /** 1-minute load averages when the bench began and when it wrote its results: above the CPU count, other work shared the machine. */
  loadavg_1m_start: LOADAVG_AT_START,
  loadavg_1m: loadavg(),
  duration_s: DURATION_S,
  warmup_s: WARMUP_S,
  rounds: ROUNDS,
  connections: CONNECTIONS,
  bcrypt_cost: BCRYPT_COST,
});
