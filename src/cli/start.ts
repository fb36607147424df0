import fs from "node:fs";
import path from "node:path";
import { serve } from "@hono/node-server";
import { loadConfig } from "../config.ts";
import { createApp, type TrellisApp } from "../create-app.ts";
import { formatIssue, LoadError } from "../loader/load-issue.ts";
import { createLogger } from "../logger.ts";

const SHUTDOWN_GRACE_MS = 10_000;

/** `trellis start|dev [dir]`: serve until SIGTERM/SIGINT, then finish in-flight requests and close the pool. */
export async function runStart(args: string[], { watch }: { watch: boolean }): Promise<number> {
  const config = loadConfig(process.env, args[0] ? { appDir: args[0] } : {});
  const logger = createLogger(config.logLevel);
  let app: TrellisApp;
  try {
    app = await createApp({ config, logger });
  } catch (error) {
    if (error instanceof LoadError) {
      for (const issue of error.issues) process.stderr.write(`${formatIssue(issue)}\n`);
      process.stderr.write("\ntrellis did not start: fix the errors above.\n");
      return 1;
    }
    throw error;
  }

  const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
    const routes = app.loaded.endpoints.map((e) => `${e.method.toUpperCase().padEnd(6)} ${e.pattern}  ${describeAllow(e.allow)}`);
    logger.info(`trellis listening on http://${config.host}:${info.port}`, { port: info.port });
    process.stdout.write(`${routes.join("\n")}\n`);
  });
  const stopWatching = watch ? watchApp(app, logger) : () => {};

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal}: finishing in-flight requests`);
    stopWatching();
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
  return -1;
}

function describeAllow(allow: "public" | "authenticated" | readonly string[]): string {
  return typeof allow === "string" ? allow : allow.join(", ");
}

/** Reloads on any change under endpoints/, actions/ or roles.yaml; a broken save keeps the last good table. */
function watchApp(app: TrellisApp, logger: ReturnType<typeof createLogger>): () => void {
  let version = 0;
  let timer: NodeJS.Timeout | undefined;
  const reload = () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const result = await app.reload(++version);
      for (const issue of result.issues) process.stderr.write(`${formatIssue(issue)}\n`);
      if (result.app) logger.info(`reloaded: ${result.app.endpoints.length} route(s)`);
      else logger.warn("reload failed: still serving the last good version");
    }, 30);
  };
  const watchers = ["endpoints", "actions", "roles.yaml"]
    .map((name) => path.join(app.config.appDir, name))
    .filter((target) => fs.existsSync(target))
    .map((target) => fs.watch(target, { recursive: true }, reload));
  return () => {
    for (const watcher of watchers) watcher.close();
  };
}
