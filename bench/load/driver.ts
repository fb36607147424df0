/**
 * The load generator process, `node --import tsx bench/load/driver.ts`:
 * autocannon in a process apart from the servers and the bench. It reads
 * one LoadSpec per line on stdin, runs it and answers one LoadResult per line
 * on stdout; one process serves a whole bench run, so its start-up (~0.7 s)
 * is paid once, not per run.
 */
import { createInterface } from "node:readline";
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
  // Samples every 100 ms: a run ends at the first sample after its duration, so 2.5 s would otherwise last 3 s.
  const base = { url: `${spec.url}${request.path}`, connections: spec.connections, timeout: 20, sampleInt: 100 };
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

/** One spec: warm up (then let the server drain what the warm-up left in flight), then measure. */
async function measure(spec: LoadSpec): Promise<LoadResult> {
  const pool = spec.request.kind === "refresh-chain" ? [...spec.request.tokens].reverse() : [];
  if (spec.warmup) {
    await run(spec, pool, { breaks: 0 }, false);
    if (spec.settle_ms) await new Promise((resolve) => setTimeout(resolve, spec.settle_ms));
  }
  return run(spec, pool, { breaks: 0 }, true);
}

// One JSON spec per line on stdin, one JSON result per line on stdout, until stdin closes.
const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
for await (const line of lines) {
  if (!line.trim()) continue;
  try {
    process.stdout.write(`${JSON.stringify(await measure(JSON.parse(line) as LoadSpec))}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ error: error instanceof Error ? error.message : String(error) })}\n`);
  }
}
