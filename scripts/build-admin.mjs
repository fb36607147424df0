// Builds the admin page (admin-ui/, Vite + Preact) into a folder the engine serves at /admin. Called by
// scripts/build.mjs; only where admin-ui/ exists, so an installed package (which ships the built files) never needs Vite.
import path from "node:path";
import { fileURLToPath } from "node:url";

export const ADMIN_SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "admin-ui");

/** The public path of the built files; no endpoint of any app lives under it (docs/admin-page.md). */
export const ASSET_BASE = "/admin/_ui/";

export async function buildAdmin(outDir) {
  const { build } = await import("vite");
  await build({
    root: ADMIN_SRC,
    base: ASSET_BASE,
    configFile: false,
    // Outside admin-ui/, so building leaves the sources (whose times say whether dist/ is current) untouched.
    cacheDir: path.resolve(ADMIN_SRC, "..", "node_modules", ".vite-admin"),
    logLevel: "warn",
    oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
    build: {
      outDir,
      emptyOutDir: true,
      // The CSP forbids inline scripts; the polyfill is not needed by the browsers trellis supports.
      modulePreload: { polyfill: false },
      // Assets as files, never data: URLs inlined into the script.
      assetsInlineLimit: 0,
      target: "es2022",
    },
  });
}
