/**
 * The scenarios that put trellis beside the hand-written baseline (and, for
 * the cheapest endpoints, beside the bare handler and Express), measured
 * interleaved under the same load.
 */
import { CONNECTIONS, DISTINCT_TOKENS, LOGIN_CONNECTIONS, ROUNDS } from "../config.ts";
import { accessToken } from "../lib/access-tokens.ts";
import { type Contender, interleave, type Measured } from "../lib/interleave.ts";
import { ratio } from "../lib/median.ts";
import type { BenchContext } from "./context.ts";
import { claims, hello, logins, manyClaims, refreshChains, userRow } from "./requests.ts";
import { row, type ScenarioRow } from "./row.ts";

const rss = (ctx: BenchContext) => ({ trellisRss: ctx.trellis.server.rssMb(), baselineRss: ctx.baseline.server.rssMb() });

function pair(ctx: BenchContext, trellis: Contender["request"], baseline: Contender["request"] = trellis): Contender[] {
  return [
    { name: "trellis", url: ctx.trellis.server.url, request: trellis },
    { name: "baseline", url: ctx.baseline.server.url, request: baseline },
  ];
}

const got = (measured: Record<string, Measured>, name: string): Measured => {
  const found = measured[name];
  if (!found) throw new Error(`no measurement for ${name}`);
  return found;
};

/** A public endpoint with a validated query: trellis, the baseline doing the same by hand, and the bare handler. */
export async function publicScenario(ctx: BenchContext): Promise<ScenarioRow> {
  const m = await interleave([...pair(ctx, hello), { name: "bare", url: ctx.bare.url, request: hello }]);
  return row(got(m, "trellis"), got(m, "baseline"), {
    baselineIs: "baseline",
    connections: CONNECTIONS,
    ...rss(ctx),
    bare: got(m, "bare"),
  });
}

export interface JwtResult {
  readonly row: ScenarioRow;
  readonly trellis: Measured;
  readonly express: Measured;
  readonly express_ratio: number | null;
}

/** `allow: authenticated` answering the claims, one token for every request; Express + jsonwebtoken in the same rounds. */
export async function jwtScenario(ctx: BenchContext): Promise<JwtResult> {
  const request = () => claims(ctx.trellis.token);
  const m = await interleave([
    ...pair(ctx, request),
    { name: "bare", url: ctx.bare.url, request },
    { name: "express", url: ctx.express.url, request },
  ]);
  const trellis = got(m, "trellis");
  const express = got(m, "express");
  return {
    row: row(trellis, got(m, "baseline"), { baselineIs: "baseline", connections: CONNECTIONS, ...rss(ctx), bare: got(m, "bare") }),
    trellis,
    express,
    express_ratio: ratio(trellis.rps, express.rps),
  };
}

/** The same endpoint, each request with another of more tokens than trellis's verified-token cache keeps: every check is a signature check. */
export async function jwtDistinctScenario(ctx: BenchContext): Promise<ScenarioRow> {
  const user = ctx.trellis.seed.users[0];
  if (!user) throw new Error("no seeded user");
  const tokens = await Promise.all(Array.from({ length: DISTINCT_TOKENS }, () => accessToken(user)));
  const m = await interleave(pair(ctx, () => manyClaims(tokens)));
  return row(got(m, "trellis"), got(m, "baseline"), { baselineIs: "baseline", connections: CONNECTIONS, ...rss(ctx) });
}

/** JWT, then one SELECT of the caller's row by primary key; each side asks its own database for its own user. */
export async function jwtSelectScenario(ctx: BenchContext): Promise<ScenarioRow> {
  const m = await interleave(
    pair(
      ctx,
      () => userRow(ctx.trellis.token),
      () => userRow(ctx.baseline.token),
    ),
  );
  return row(got(m, "trellis"), got(m, "baseline"), { baselineIs: "baseline", connections: CONNECTIONS, ...rss(ctx) });
}

/** Tokens a refresh run may use: one chain per connection, as many again for the warm-up, and spares for broken chains. */
export const REFRESH_TOKENS_PER_RUN = CONNECTIONS * 3;
/** The parity check (scenarios/parity.ts) spends one per side. */
const PARITY_REFRESH_TOKENS = 2;
export const refreshTokensNeeded = () => REFRESH_TOKENS_PER_RUN * ROUNDS + PARITY_REFRESH_TOKENS;

/** POST /auth/refresh: every connection follows its own chain of refresh tokens (each answer's token is the next request's). */
export async function refreshScenario(ctx: BenchContext): Promise<ScenarioRow> {
  const m = await interleave(
    pair(
      ctx,
      () => refreshChains(ctx.trellis.takeRefreshTokens(REFRESH_TOKENS_PER_RUN)),
      () => refreshChains(ctx.baseline.takeRefreshTokens(REFRESH_TOKENS_PER_RUN)),
    ),
  );
  return row(got(m, "trellis"), got(m, "baseline"), { baselineIs: "baseline", connections: CONNECTIONS, ...rss(ctx) });
}

/** Users 1…LOGIN_CONNECTIONS of a side log in; user 0 is the JWT scenarios' and the storm uses the ones after. */
export const loginUsers = (users: BenchContext["trellis"]["seed"]["users"]) => users.slice(1, 1 + LOGIN_CONNECTIONS);

/** Long enough for the logins a run leaves in flight (a few bcrypt compares) to finish. */
export const LOGIN_SETTLE_MS = 800;

/** POST /auth/login with the right password (bcrypt at BCRYPT_COST), a few connections, one user each. */
export async function loginScenario(ctx: BenchContext): Promise<ScenarioRow> {
  const m = await interleave(
    pair(
      ctx,
      () => logins(loginUsers(ctx.trellis.seed.users)),
      () => logins(loginUsers(ctx.baseline.seed.users)),
    ),
    { connections: LOGIN_CONNECTIONS, settleMs: LOGIN_SETTLE_MS },
  );
  return row(got(m, "trellis"), got(m, "baseline"), { baselineIs: "baseline", connections: LOGIN_CONNECTIONS, ...rss(ctx) });
}
