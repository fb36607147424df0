/** The requests of each scenario, the same for every server they are sent to. */
import { PASSWORD } from "../config.ts";
import type { TokenUser } from "../lib/access-tokens.ts";
import type { RequestSpec } from "../load/spec.ts";

export const hello = (): RequestSpec => ({ kind: "static", method: "GET", path: "/bench/hello?name=bench" });

export const claims = (token: string): RequestSpec => ({
  kind: "static",
  method: "GET",
  path: "/bench/claims",
  headers: { authorization: `Bearer ${token}` },
});

export const userRow = (token: string): RequestSpec => ({
  kind: "static",
  method: "GET",
  path: "/bench/user",
  headers: { authorization: `Bearer ${token}` },
});

export const manyClaims = (tokens: string[]): RequestSpec => ({ kind: "rotating-bearer", path: "/bench/claims", tokens });

/** One user per connection: the login's per-email lock would otherwise make the connections wait for each other. */
export const logins = (users: readonly TokenUser[]): RequestSpec => ({
  kind: "body-per-connection",
  method: "POST",
  path: "/auth/login",
  headers: { "content-type": "application/json" },
  bodies: users.map((user) => JSON.stringify({ email: user.email, password: PASSWORD })),
});

export const refreshChains = (tokens: string[]): RequestSpec => ({ kind: "refresh-chain", path: "/auth/refresh", tokens });
