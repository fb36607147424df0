/** A server with its users and refresh tokens already in its database: seed first (PGlite: its own DATA_DIR), then start. */
import fs from "node:fs";
import path from "node:path";
import { type Seeded, seed } from "./seed.ts";
import { type Server, startBaseline, startTrellis, type TrellisOptions } from "./servers.ts";

export interface SeededOptions {
  readonly tmp: string;
  readonly databaseUrl: string | undefined;
  readonly prefix: string;
  readonly users: number;
  readonly refreshTokens: number;
}

export interface SeededServer {
  readonly server: Server;
  readonly seed: Seeded;
}

async function seeded(options: SeededOptions, name: string) {
  const dataDir = fs.mkdtempSync(path.join(options.tmp, `${name}-data-`));
  const data = await seed({
    url: options.databaseUrl,
    dataDir,
    prefix: options.prefix,
    users: options.users,
    refreshTokens: options.refreshTokens,
  });
  return { dataDir, data };
}

export async function startSeededTrellis(
  options: SeededOptions & Omit<TrellisOptions, "dataDir" | "databaseUrl"> & { readonly name?: string },
): Promise<SeededServer> {
  const { dataDir, data } = await seeded(options, options.name ?? "trellis");
  const server = await startTrellis({ ...options, dataDir, databaseUrl: options.databaseUrl });
  return { server, seed: data };
}

export async function startSeededBaseline(options: SeededOptions & { readonly env?: Record<string, string> }): Promise<SeededServer> {
  const { dataDir, data } = await seeded(options, "baseline");
  const server = await startBaseline({ dataDir, databaseUrl: options.databaseUrl, ...(options.env ? { env: options.env } : {}) });
  return { server, seed: data };
}
