/** Resident memory of a trellis process that has started and serves nothing yet. */
import { startSeededTrellis } from "../lib/seeded.ts";
import type { Server } from "../lib/servers.ts";

/** Lets start-up garbage settle before reading VmRSS. */
const SETTLE_MS = 1000;

export async function idleRss(server: Server): Promise<number | null> {
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  return server.rssMb();
}

/**
 * A trellis of its own on PGlite, for the PGlite figure in a PostgreSQL run.
 * Its folder is set up (initdb) by the bench first, as it is for every
 * PGlite server of the bench: a first start that runs initdb in the process
 * itself stays at about twice the memory.
 */
export async function idleRssOnPglite(appDir: string, tmp: string, runId: string): Promise<number | null> {
  const { server } = await startSeededTrellis({
    appDir,
    tmp,
    databaseUrl: undefined,
    prefix: `${runId}-rss`,
    users: 1,
    refreshTokens: 0,
    name: "trellis (PGlite, idle RSS)",
  });
  try {
    return await idleRss(server);
  } finally {
    await server.stop();
  }
}
