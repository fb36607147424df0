/** Resident memory of a trellis process that has started and serves nothing yet. */
import fs from "node:fs";
import path from "node:path";
import type { Server } from "../lib/servers.ts";
import { startTrellis } from "../lib/servers.ts";

/** Lets start-up garbage settle before reading VmRSS. */
const SETTLE_MS = 1000;

export async function idleRss(server: Server): Promise<number | null> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return server.rssMb();
}

/** A trellis of its own on a fresh PGlite folder: for the PGlite figure in a PostgreSQL run. */
export async function idleRssOnPglite(appDir: string, tmp: string): Promise<number | null> {
  const server = await startTrellis({ appDir, dataDir: fs.mkdtempSync(path.join(tmp, "rss-pglite-")), name: "trellis (PGlite, idle RSS)" });
  try {
    return await idleRss(server);
  } finally {
    await server.stop();
  }
}
