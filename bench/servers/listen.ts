/** How every hand-written bench server listens: PORT and HOST from the environment, stopped by SIGTERM. */
import { serve } from "@hono/node-server";
import type { Hono } from "hono";

export function listen(app: Hono, onClose: () => Promise<void> = async () => {}): void {
  const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 3000), hostname: process.env.HOST ?? "127.0.0.1" });
  const stop = () => {
    server.close(() => {
      void onClose().finally(() => process.exit(0));
    });
    if ("closeIdleConnections" in server) server.closeIdleConnections();
    setTimeout(() => process.exit(0), 3000).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}
