/** What every scenario gets: the running servers, and the users and tokens seeded for each side. */
import type { Seeded } from "../lib/seed.ts";
import type { Server } from "../lib/servers.ts";

export interface Side {
  readonly server: Server;
  readonly seed: Seeded;
  /** An access token of the side's first user (it exists in that side's database). */
  readonly token: string;
  /** Unspent refresh tokens of this side, each handed out once. */
  takeRefreshTokens(count: number): string[];
}

export interface BenchContext {
  readonly trellis: Side;
  readonly baseline: Side;
  readonly bare: Server;
  readonly express: Server;
  readonly appDir: string;
  /** A temporary folder for anything else a scenario needs (data dirs of extra servers). */
  readonly tmp: string;
  readonly databaseUrl: string | undefined;
  /** Unique to the run: a prefix for emails in a database shared across runs. */
  readonly runId: string;
}

export function side(server: Server, seed: Seeded, token: string): Side {
  let next = 0;
  return {
    server,
    seed,
    token,
    takeRefreshTokens(count) {
      const tokens = seed.refreshTokens.slice(next, next + count);
      next += count;
      if (tokens.length < count) throw new Error(`${server.name}: the seeded refresh tokens ran out`);
      return tokens;
    },
  };
}
