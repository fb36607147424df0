import cluster from "node:cluster";
import type { Server } from "node:http";
import net from "node:net";
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { serve } from "@hono/node-server";
import { type Config, loadConfig } from "../config.ts";
import { createApp, type TrellisApp } from "../create-app.ts";
import type { LoadedApp } from "../loader/load-app.ts";
import { formatIssue, LoadError } from "../loader/load-issue.ts";
import { withPrefix } from "../loader/route-from-path.ts";
import { createLogger } from "../logger.ts";
import { answerClientErrorsAsJson } from "../server/client-error.ts";
import { serveControlSocket } from "./control-socket.ts";
import { loadForCli } from "./load-for-cli.ts";
import { superviseWorkers } from "./supervise-workers.ts";
import { runUserCommand } from "./user-commands.ts";

const SHUTDOWN_GRACE_MS = 10_000;

/**
 * `trellis start|dev [dir] [--workers N]`: serve until SIGTERM/SIGINT, then
 * finish in-flight requests and close the pool. With several workers this
 * process supervises them (supervise-workers.ts), and each runs `serveApp`.
 */
export async function runStart(args: string[], { watch }: { watch: boolean }): Promise<number | undefined> {
  const { positionals, values } = parseArgs({ args, options: { workers: { type: "string" } }, allowPositionals: true });
  const env = cluster.isWorker ? process.env : await withChosenPort(process.env);
  const config = loadConfig(env, positionals[0] ? { appDir: positionals[0] } : {});
  const workers = workerCount(values.workers, config, watch);
  if (typeof workers === "string") {
    process.stderr.write(`${workers}\n`);
    return 1;
  }
  if (workers === 1 || cluster.isWorker) return serveApp(config, { watch });

  // The app is checked once here, so a broken one is one list of errors, not one per worker.
  const { app } = await loadForCli(positionals);
  if (!app) {
    process.stderr.write("\ntrellis did not start: fix the errors above.\n");
    return 1;
  }
  process.stdout.write(routeTable(app) + adminPageLine(app, config.host, config.port));
  const logger = createLogger(config.logLevel);
  logger.info(`trellis serving http://${config.host}:${config.port} from ${workers} workers`, { port: config.port, workers });
  superviseWorkers({ workers, env: { ...env, PORT: String(config.port) }, logger, graceMs: SHUTDOWN_GRACE_MS });
  return undefined;
}

/**
 * `--workers N`; by default one per core in production on PostgreSQL, else
 * one. A message instead when N cannot be served.
 */
function workerCount(flag: string | undefined, config: Config, watch: boolean): number | string {
  if (flag === undefined) return config.production && config.databaseUrl && !watch ? availableParallelism() : 1;
  const workers = Number(flag);
  if (!Number.isInteger(workers) || workers < 1 || workers > 256) return `--workers must be a whole number from 1 to 256, got "${flag}"`;
  if (workers > 1 && watch) return "trellis dev serves from one process: drop --workers, or use trellis start";
  if (workers > 1 && !config.databaseUrl) {
    return (
      "--workers needs PostgreSQL: the embedded database (PGlite) opens its data folder from one process only. " +
      "Set DATABASE_URL to serve from several processes, or start one."
    );
  }
  return workers;
}

async function serveApp(config: Config, { watch }: { watch: boolean }): Promise<number | undefined> {
  const logger = createLogger(config.logLevel);
  let app: TrellisApp;
  try {
    app = await createApp({ config, logger, logRequests: watch, rebuiltOften: watch });
  } catch (error) {
    if (error instanceof LoadError) {
      for (const issue of error.issues) process.stderr.write(`${formatIssue(issue)}\n`);
      process.stderr.write("\ntrellis did not start: fix the errors above.\n");
      return 1;
    }
    throw error;
  }
  // A cluster's workers leave the warnings and the route table to the primary.
  if (cluster.isPrimary) for (const warning of app.warnings) process.stderr.write(`${formatIssue(warning)}\n`);
  // Watching starts before listening, so that a save right after "listening" is seen.
  // Imported only here: `trellis start` never loads the file watcher.
  const stopWatching = watch ? await (await import("./watch-app.ts")).watchApp(app, logger) : () => {};

  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    if (cluster.isPrimary) process.stdout.write(routeTable(app.loaded) + adminPageLine(app.loaded, config.host, info.port));
    logger.info(`trellis listening on http://${config.host}:${info.port}`, { port: info.port, pid: process.pid });
  });
  answerClientErrorsAsJson(server as Server);
  server.on("error", (error: NodeJS.ErrnoException) => {
    const reason = error.code === "EADDRINUSE" ? "the port is in use (set PORT, or PORT=0 for any free one)" : error.message;
    process.stderr.write(`trellis cannot listen on ${config.host}:${config.port}: ${reason}\n`);
    void app.close().finally(() => process.exit(1));
  });
  // The embedded database is this process's alone: `trellis users` asks it to act instead.
  const stopControl = config.databaseUrl
    ? () => {}
    : serveControlSocket(config.dataDir, (command) => runUserCommand(app.services.db, command, app.loaded.roles.names, config.bcryptCost));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: finishing in-flight requests`);
    stopWatching();
    stopControl();
    const force = setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS);
    force.unref();
    server.close(async () => {
      await app.close();
      process.exit(0);
    });
    if ("closeIdleConnections" in server) server.closeIdleConnections();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
  return undefined;
}

/**
 * PORT=0 asks for any free port. It is chosen before the app is made, so that
 * PUBLIC_URL's default (the base of links in mail) names the real port.
 */
async function withChosenPort(env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  if (env.PORT !== "0") return env;
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => probe.once("error", reject).listen(0, env.HOST || "0.0.0.0", resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return { ...env, PORT: String(port) };
}

/** The start banner: every route and who may call it, as a compact table. */
function routeTable(app: LoadedApp): string {
  const rows = [...app.endpoints]
    .sort((a, b) => a.pattern.localeCompare(b.pattern) || a.method.localeCompare(b.method))
    .map(
      (e) =>
        [
          e.method.toUpperCase(),
          withPrefix(app.settings.prefix, e.pattern),
          typeof e.allow === "string" ? e.allow : e.allow.join(", "),
        ] as const,
    );
  const width = Math.max(4, ...rows.map(([, pattern]) => pattern.length));
  const lines = rows.map(([method, pattern, allow]) => `  ${method.padEnd(6)} ${pattern.padEnd(width)}  ${allow}`);
  return `\n  ${"METHOD".padEnd(6)} ${"PATH".padEnd(width)}  ALLOW\n${lines.join("\n")}\n\n`;
}

/** Where to open the admin page, when the app serves one; a wildcard host is named localhost, which a browser opens. */
function adminPageLine(app: LoadedApp, host: string, port: number): string {
  if (!app.settings.adminPage) return "";
  const browsable = host === "0.0.0.0" || host === "::" ? "localhost" : host.includes(":") ? `[${host}]` : host;
  return `  admin page: http://${browsable}:${port}${withPrefix(app.settings.prefix, "/admin")}\n\n`;
}
