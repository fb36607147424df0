import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT, type Running, runTrellis } from "./cli.ts";
import { tempDir } from "./test-app.ts";

/** A copy of the repository's app folder (endpoints/, actions/, roles.yaml) that a test may edit. */
export function copyShippedApp(): string {
  const dir = tempDir("trellis-app-");
  for (const name of ["endpoints", "actions", "roles.yaml"]) {
    fs.cpSync(path.join(REPO_ROOT, name), path.join(dir, name), { recursive: true });
  }
  return dir;
}

/** One real `trellis start|dev` process, and what a test calls it with. */
export interface Instance {
  readonly name: string;
  readonly server: Running;
  readonly base: string;
  readonly dataDir: string;
  get(route: string, token?: string): Promise<Response>;
  post(route: string, body: unknown, token?: string): Promise<Response>;
  send(method: string, route: string, token?: string): Promise<Response>;
}

/** Spawns `trellis <command> <appDir>` on a free port of 127.0.0.1 and resolves once it listens. */
export async function startInstance(
  name: string,
  command: "start" | "dev",
  appDir: string,
  env: Record<string, string>,
  dataDir = tempDir(`trellis-${name}-`),
): Promise<Instance> {
  const server = runTrellis([command, appDir], { PORT: "0", HOST: "127.0.0.1", DATA_DIR: dataDir, ...env }, { cwd: appDir });
  const [, port] = await server.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
  const base = `http://127.0.0.1:${port}`;
  const headers = (token?: string, body = false): Record<string, string> => ({
    ...(token ? { Authorization: `Bearer ${token}` } : {}),
    ...(body ? { "Content-Type": "application/json" } : {}),
  });
  return {
    name,
    server,
    base,
    dataDir,
    get: (route, token) => fetch(`${base}${route}`, { headers: headers(token) }),
    post: (route, body, token) => fetch(`${base}${route}`, { method: "POST", headers: headers(token, true), body: JSON.stringify(body) }),
    send: (method, route, token) => fetch(`${base}${route}`, { method, headers: headers(token) }),
  };
}

/** SIGTERM, then SIGKILL if it has not exited within `ms`; resolves with the exit code (null when killed). */
export async function stopInstance(instance: Instance | undefined, ms = 5000): Promise<number | null> {
  if (!instance) return null;
  const { child, exited } = instance.server;
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), ms);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `probe` until it returns something truthy; fails with `what` after `ms`. */
export async function eventually<T>(what: string, probe: () => Promise<T> | T, ms = 20_000, every = 50): Promise<NonNullable<T>> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) return assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, every));
  }
}
