import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { TrellisApp } from "../../src/create-app.ts";

/** The app behind a real HTTP server on a free port of 127.0.0.1, as `trellis start` serves it (raw requests: raw-http.ts). */
export interface ServedApp {
  readonly port: number;
  readonly base: string;
  close(): Promise<void>;
}

export async function serveOnPort(app: TrellisApp): Promise<ServedApp> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(started));
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    base: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        if ("closeAllConnections" in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
