/**
 * The load generator process: `node --import tsx bench/load/driver.ts <spec.json>`
 * runs autocannon (in this process, apart from the servers and the bench) as
 * the spec says, and prints one JSON line, a LoadResult.
 */
import fs from "node:fs";
import autocannon, { type Client, type Options, type Request } from "autocannon";
import type { LoadResult, LoadSpec, RequestSpec } from "./spec.ts";

const JSON_HEADERS = { "content-type": "application/json" };

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Turns the spec into autocannon options; `state` keeps what must outlive one run (the token pool). */
function optionsFor(spec: LoadSpec, request: RequestSpec, pool: string[], counters: { breaks: number }): Options {
  // autocannon takes the path from the URL when there is no request list.
  const base = { url: `${spec.url}${request.path}`, connections: spec.connections, timeout: 20 };
  switch (request.kind) {
    case "static":
      return {
        ...base,
        method: request.method,
        path: request.path,
        headers: request.headers ?? {},
        ...(request.body ? { body: request.body } : {}),
      };
    case "body-per-connection": {
      let next = 0;
      return {
        ...base,
        setupClient: (client: Client) => {
          const body = request.bodies[next++ % request.bodies.length];
          client.setRequests([{ method: request.method, path: request.path, headers: request.headers ?? {}, ...(body ? { body } : {}) }]);
        },
      };
    }
    case "refresh-chain":
      return {
        ...base,
        setupClient: (client: Client) => {
          let token = pool.pop();
          const refresh: Request = {
            method: "POST",
            path: request.path,
            headers: JSON_HEADERS,
            setupRequest: (req) => ({ ...req, body: JSON.stringify({ refresh_token: token ?? "pool-exhausted" }) }),
            onResponse: (status, body) => {
              if (status === 200) token = (JSON.parse(body) as { refresh_token: string }).refresh_token;
              else {
                counters.breaks++;
                token = pool.pop();
              }
            },
          };
          client.setRequests([refresh]);
        },
      };
    case "rotating-bearer": {
      let next = 0;
      const bearer: Request = {
        method: "GET",
        path: request.path,
        setupRequest: (req) => ({ ...req, headers: { authorization: `Bearer ${request.tokens[next++ % request.tokens.length]}` } }),
      };
      return { ...base, requests: [bearer] };
    }
  }
}

async function run(spec: LoadSpec, pool: string[], counters: { breaks: number }, record: boolean): Promise<LoadResult> {
  const latencies: number[] = [];
  const instance = autocannon({ ...optionsFor(spec, spec.request, pool, counters), duration: record ? spec.duration : (spec.warmup ?? 1) });
  if (record) instance.on("response", (_client: unknown, _status: number, _bytes: number, ms: number) => void latencies.push(ms));
  const result = await instance;
  const sorted = Float64Array.from(latencies).sort();
  const status = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]));
  return {
    rps: result.requests.total / result.duration,
    total: result.requests.total,
    p50_ms: percentile(sorted, 50),
    p99_ms: percentile(sorted, 99),
    mean_ms: sorted.length ? sorted.reduce((a, b) => a + b, 0) / sorted.length : 0,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    status,
    ...(spec.request.kind === "refresh-chain" ? { chain_breaks: counters.breaks } : {}),
  };
}

const file = process.argv[2];
if (!file) throw new Error("usage: driver.ts <spec.json>");
const spec = JSON.parse(fs.readFileSync(file, "utf8")) as LoadSpec;
const pool = spec.request.kind === "refresh-chain" ? [...spec.request.tokens].reverse() : [];
if (spec.warmup) await run(spec, pool, { breaks: 0 }, false);
const result = await run(spec, pool, { breaks: 0 }, true);
process.stdout.write(`${JSON.stringify(result)}\n`);
