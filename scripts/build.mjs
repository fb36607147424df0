// Bundles the engine into dist/ (esbuild) and the admin page into dist/admin/ (scripts/build-admin.mjs):
// `npm install` runs it (prepare), `npm pack` too (prepack), and bin/trellis.js again whenever src/ or
// admin-ui/ is newer. Plain JavaScript, so it runs before anything is built.
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SRC = path.join(ROOT, "src");
const ADMIN_SRC = path.join(ROOT, "admin-ui");
export const DIST = path.join(ROOT, "dist");
const STAMP = path.join(DIST, ".built");
/** Files the bundle loads by URL from beside itself: a worker, and module hooks for Node's hooks thread. */
const BESIDE = ["auth/bcrypt-worker.mjs", "db/pglite-init.mjs", "loader/engine-module-hook.mjs", "loader/strip-types.mjs"];
/** Loaded from node_modules as they are: data files found relative to the package, or only sometimes needed. */
const EXTERNAL = ["@electric-sql/pglite", "swagger-ui-dist", "pino-pretty", "pg-native", "fsevents", "esbuild"];

function newestIn(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** True when dist/ was built from the src/ and admin-ui/ that are here (or there are none to build from, as in a package). */
export function isCurrent() {
  const sources = [SRC, ADMIN_SRC].filter((dir) => fs.existsSync(dir));
  if (!fs.existsSync(STAMP)) return sources.length === 0;
  const built = fs.statSync(STAMP).mtimeMs;
  return sources.every((dir) => newestIn(dir) <= built);
}

export async function build() {
  const esbuild = await import("esbuild");
  const staging = `${DIST}.${process.pid}.tmp`;
  fs.rmSync(staging, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: { cli: path.join(SRC, "cli/main.ts"), index: path.join(SRC, "index.ts") },
    outdir: staging,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    external: EXTERNAL,
    // The CommonJS dependencies bundled in call require() for Node's own modules.
    banner: { js: 'import { createRequire as __trellisRequire } from "node:module"; const require = __trellisRequire(import.meta.url);' },
    logLevel: "warning",
  });
  for (const file of BESIDE) fs.copyFileSync(path.join(SRC, file), path.join(staging, path.basename(file)));
  const admin = path.join(staging, "admin");
  try {
    if (fs.existsSync(ADMIN_SRC)) await (await import("./build-admin.mjs")).buildAdmin(admin);
    // A package ships dist/admin/ built, and no admin-ui/ to build it from again.
    else if (fs.existsSync(path.join(DIST, "admin"))) fs.cpSync(path.join(DIST, "admin"), admin, { recursive: true });
  } catch (error) {
    // dist/ stays as it was, and no half-built copy is left beside it.
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  fs.writeFileSync(path.join(staging, ".built"), "");
  // Another process may be building too: whichever renames last wins, and both builds are the same.
  const old = `${DIST}.${process.pid}.old`;
  if (fs.existsSync(DIST)) fs.renameSync(DIST, old);
  try {
    fs.renameSync(staging, DIST);
  } catch (error) {
    if (!fs.existsSync(DIST)) throw error;
    fs.rmSync(staging, { recursive: true, force: true });
  }
  fs.rmSync(old, { recursive: true, force: true });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await build();
