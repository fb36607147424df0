import net from "node:net";
import { serve } from "@hono/node-server";
import { loadConfig } from "../config.ts";
import { createApp, type TrellisApp } from "../create-app.ts";
import { formatIssue, LoadError } from "../loader/load-issue.ts";
import { withPrefix } from "../loader/route-from-path.ts";
import { createLogger } from "../logger.ts";
import { serveControlSocket } from "./control-socket.ts";
import { runUserCommand } from "./user-commands.ts";
import { watchApp } from "./watch-app.ts";

const SHUTDOWN_GRACE_MS = 10_000;

/** `trellis start|dev [dir]`: serve until SIGTERM/SIGINT, then finish in-flight requests and close the pool. */
export async function runStart(args: string[], { watch }: { watch: boolean }): Promise<number | undefined> {
  const env = await withChosenPort(process.env);
  const config = loadConfig(env, args[0] ? { appDir: args[0] } : {});
  const logger = createLogger(config.logLevel);
  let app: TrellisApp;
  try {
    app = await createApp({ config, logger, logRequests: watch });
  } catch (error) {
    if (error instanceof LoadError) {
      for (const issue of error.issues) process.stderr.write(`${formatIssue(issue)}\n`);
      process.stderr.write("\ntrellis did not start: fix the errors above.\n");
      return 1;
    }
    throw error;
  }
  for (const warning of app.warnings) process.stderr.write(`${formatIssue(warning)}\n`);
  // Watching starts before listening, so that a save right after "listening" is seen.
  const stopWatching = watch ? await watchApp(app, logger) : () => {};

  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    process.stdout.write(routeTable(app));
    logger.info(`trellis listening on http://${config.host}:${info.port}`, { port: info.port });
  });
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
function routeTable(app: TrellisApp): string {
  const rows = [...app.loaded.endpoints]
    .sort((a, b) => a.pattern.localeCompare(b.pattern) || a.method.localeCompare(b.method))
    .map(
      (e) =>
        [
          e.method.toUpperCase(),
          withPrefix(app.loaded.settings.prefix, e.pattern),
          typeof e.allow === "string" ? e.allow : e.allow.join(", "),
        ] as const,
    );
  const width = Math.max(4, ...rows.map(([, pattern]) => pattern.length));
  const lines = rows.map(([method, pattern, allow]) => `  ${method.padEnd(6)} ${pattern.padEnd(width)}  ${allow}`);
  return `\n  ${"METHOD".padEnd(6)} ${"PATH".padEnd(width)}  ALLOW\n${lines.join("\n")}\n\n`;
}
