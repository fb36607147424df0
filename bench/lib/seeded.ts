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

/**
 * On PGlite, the users and tokens are written once, into a template folder,
 * and every server gets a copy of it: one `initdb` (seconds of WASM) per run
 * instead of one per server. Copies share the seeded rows but not their
 * fate: a token spent in one is still unspent in the others.
 */
let template: Promise<{ readonly dir: string; readonly data: Seeded }> | undefined;

async function seeded(options: SeededOptions, name: string) {
  const dataDir = fs.mkdtempSync(path.join(options.tmp, `${name.replace(/[^a-z0-9]+/gi, "-")}-data-`));
  const wanted = { prefix: options.prefix, users: options.users, refreshTokens: options.refreshTokens };
  if (options.databaseUrl) return { dataDir, data: await seed({ url: options.databaseUrl, dataDir, ...wanted }) };
  template ??= (async () => {
    const dir = fs.mkdtempSync(path.join(options.tmp, "template-data-"));
    return { dir, data: await seed({ dataDir: dir, ...wanted }) };
  })();
  const { dir, data } = await template;
  if (data.users.length < options.users || data.refreshTokens.length < options.refreshTokens) {
    throw new Error("the PGlite template was seeded with fewer users or tokens than a later server asks for");
  }
  fs.cpSync(dir, dataDir, { recursive: true });
  return { dataDir, data };
}

export async function startSeededTrellis(
  options: SeededOptions & Omit<TrellisOptions, "dataDir" | "databaseUrl"> & { readonly name?: string },
): Promise<SeededServer> {
  const { dataDir, data } = await seeded(options, options.name ?? "trellis");
  const server = await startTrellis({ ...options, dataDir, databaseUrl: options.databaseUrl });
  return { server, seed: data };
}

export async function startSeededBaseline(
  options: SeededOptions & { readonly env?: Record<string, string>; readonly nodeFlags?: readonly string[] },
): Promise<SeededServer> {
  const { dataDir, data } = await seeded(options, "baseline");
  const server = await startBaseline({
    dataDir,
    databaseUrl: options.databaseUrl,
    ...(options.env ? { env: options.env } : {}),
    ...(options.nodeFlags ? { nodeFlags: options.nodeFlags } : {}),
  });
  return { server, seed: data };
}
