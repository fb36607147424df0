/**
 * Before measuring: does the baseline still answer what trellis answers?
 * The same requests go to both, and the status, the JSON (its shape where
 * tokens and ids must differ) and the headers that matter are compared. trellis
 * changes while the bench stays; a difference is printed and kept in results.json.
 */
import { PASSWORD } from "../config.ts";
import type { BenchContext, Side } from "./context.ts";

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Record<string, string | null>;
}

const HEADERS = ["content-type", "cache-control", "x-content-type-options", "www-authenticate"];

async function ask(side: Side, path: string, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(`${side.server.url}${path}`, init);
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, body, headers: Object.fromEntries(HEADERS.map((name) => [name, response.headers.get(name)])) };
}

/** The JSON with every string and number replaced by its type: for answers whose values must differ (tokens, ids). */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shape(item)]));
  return typeof value === "string" || typeof value === "number" ? typeof value : value;
}

/** Error answers: the code and status must match; messages of validation details may be worded differently. */
function errorCode(body: unknown): unknown {
  return body && typeof body === "object" && "error" in body ? (body as { error: { code?: unknown } }).error.code : body;
}

const json = (body: unknown): RequestInit => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

export async function checkParity(ctx: BenchContext): Promise<string[]> {
  const user = (side: Side, index: number) => side.seed.users[index]?.email ?? "nobody@example.com";
  const cases: { name: string; compare: "exact" | "shape" | "code"; ask: (side: Side) => Promise<Answer> }[] = [
    { name: "GET /bench/hello?name=bench", compare: "exact", ask: (s) => ask(s, "/bench/hello?name=bench") },
    { name: "GET /bench/hello?name= (too short)", compare: "code", ask: (s) => ask(s, "/bench/hello?name=") },
    {
      name: "GET /bench/claims",
      compare: "exact",
      ask: (s) => ask(s, "/bench/claims", { headers: { authorization: `Bearer ${ctx.trellis.token}` } }),
    },
    { name: "GET /bench/claims without a token", compare: "exact", ask: (s) => ask(s, "/bench/claims") },
    {
      name: "GET /bench/claims with a forged token",
      compare: "exact",
      ask: (s) => ask(s, "/bench/claims", { headers: { authorization: `Bearer ${ctx.trellis.token.slice(0, -2)}xx` } }),
    },
    { name: "GET /bench/user", compare: "shape", ask: (s) => ask(s, "/bench/user", { headers: { authorization: `Bearer ${s.token}` } }) },
    {
      name: "POST /auth/refresh",
      compare: "shape",
      ask: (s) => ask(s, "/auth/refresh", json({ refresh_token: s.takeRefreshTokens(1)[0] })),
    },
    {
      name: "POST /auth/refresh with an unknown token",
      compare: "exact",
      ask: (s) => ask(s, "/auth/refresh", json({ refresh_token: "nope" })),
    },
    { name: "POST /auth/login", compare: "shape", ask: (s) => ask(s, "/auth/login", json({ email: user(s, 40), password: PASSWORD })) },
    {
      name: "POST /auth/login with a wrong password",
      compare: "exact",
      ask: (s) => ask(s, "/auth/login", json({ email: user(s, 41), password: "wrong" })),
    },
  ];
  const differences: string[] = [];
  for (const { name, compare, ask: send } of cases) {
    const [t, b] = [await send(ctx.trellis), await send(ctx.baseline)];
    const view =
      compare === "exact" ? (a: Answer) => a.body : compare === "shape" ? (a: Answer) => shape(a.body) : (a: Answer) => errorCode(a.body);
    const said = (a: Answer) => JSON.stringify({ status: a.status, body: view(a), headers: a.headers });
    if (said(t) !== said(b)) differences.push(`${name}: trellis ${said(t)}, baseline ${said(b)}`);
  }
  return differences;
}
