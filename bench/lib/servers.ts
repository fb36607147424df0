/** The four kinds of server under test, each started as its own process and awaited until it answers. */
import { BCRYPT_COST, JWT_SECRET } from "../config.ts";
import { freePort } from "./ports.ts";
import { type Child, childEnv, isShuttingDown, memoryMb, startNode } from "./processes.ts";

export interface Server {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  readonly child: Child;
  rssMb(): number | null;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 120_000;

/** Polls `path` until anything answers (PGlite's first start takes seconds); fails if the process dies first. */
async function whenReady(child: Child, url: string, path: string): Promise<void> {
  let dead = false;
  void child.exited.then(() => {
    dead = true;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (dead) throw new Error(`${child.name} exited before it was ready:\n${child.output()}`);
    try {
      const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`${child.name} did not answer ${path} within ${READY_TIMEOUT_MS / 1000} s:\n${child.output()}`);
}

async function startServer(name: string, args: string[], env: Record<string, string | undefined>, readyPath: string): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = startNode(name, args, childEnv({ ...env, PORT: String(port), HOST: "127.0.0.1" }));
  try {
    await whenReady(child, url, readyPath);
  } catch (error) {
    await child.stop();
    throw error;
  }
  // A server that dies mid-bench says why at once; its runs then show up as failures.
  let stopping = false;
  void child.exited.then((code) => {
    if (!stopping && !isShuttingDown())
      process.stderr.write(`\n${name} exited unexpectedly (${code}); its last output:\n${child.output().slice(-4000)}\n`);
  });
  return {
    name,
    url,
    pid: child.pid,
    child,
    rssMb: () => memoryMb(child.pid),
    stop: () => {
      stopping = true;
      return child.stop();
    },
  };
}

export interface TrellisOptions {
  readonly appDir: string;
  readonly dataDir: string;
  readonly databaseUrl?: string | undefined;
  /** More arguments after `start <dir>`, e.g. `--workers 2`. */
  readonly args?: readonly string[];
  readonly env?: Record<string, string>;
  /** Node flags before bin/trellis.js, e.g. `--cpu-prof`. */
  readonly nodeFlags?: readonly string[];
  readonly name?: string;
}

export function startTrellis(options: TrellisOptions): Promise<Server> {
  return startServer(
    options.name ?? "trellis",
    [...(options.nodeFlags ?? []), "bin/trellis.js", "start", options.appDir, ...(options.args ?? [])],
    {
      DATA_DIR: options.dataDir,
      DATABASE_URL: options.databaseUrl,
      JWT_SECRET,
      LOG_LEVEL: "warn",
      BCRYPT_COST: String(BCRYPT_COST),
      ...options.env,
    },
    "/healthz",
  );
}

export interface BaselineOptions {
  readonly dataDir: string;
  readonly databaseUrl?: string | undefined;
  readonly env?: Record<string, string>;
  readonly nodeFlags?: readonly string[];
}

export function startBaseline(options: BaselineOptions): Promise<Server> {
  return startServer(
    "baseline",
    [...(options.nodeFlags ?? []), "--import", "tsx", "bench/servers/baseline.ts"],
    { DATA_DIR: options.dataDir, DATABASE_URL: options.databaseUrl, JWT_SECRET, BCRYPT_COST: String(BCRYPT_COST), ...options.env },
    "/healthz",
  );
}

export function startBare(nodeFlags: readonly string[] = []): Promise<Server> {
  return startServer("bare", [...nodeFlags, "--import", "tsx", "bench/servers/bare.ts"], {}, "/healthz");
}

export function startExpress(): Promise<Server> {
  return startServer("express", ["--import", "tsx", "bench/servers/express.ts"], { JWT_SECRET }, "/healthz");
}
