import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import type { Context, Hono } from "hono";
import { TrellisError } from "../errors.ts";
import { SECURITY_HEADERS } from "./security-headers.ts";

/**
 * The admin page may load only its own files and talk only to this origin: no inline script or style, no
 * framing, no <base>. It is a client of the app's admin endpoints, so a stolen page script would get nothing
 * the bearer token does not already allow.
 */
export const ADMIN_PAGE_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

/** Where the built files are asked for; scripts/build-admin.mjs builds them for this base. */
const ASSETS_ROUTE = "/admin/_ui/assets";
const ASSET_NAME = /^[A-Za-z0-9._-]+$/;
const TYPES: Record<string, string> = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

/** dist/admin/ of the trellis package, found upwards from this file: it runs from src/server/ or bundled in dist/. */
function builtDir(): string | undefined {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = path.join(dir, "package.json");
    if (fs.existsSync(manifest) && JSON.parse(fs.readFileSync(manifest, "utf8")).name === "trellis") return path.join(dir, "dist", "admin");
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

interface Built {
  readonly index: string;
  readonly assets: ReadonlyMap<string, { readonly type: string; readonly body: Buffer; readonly gzipped: Buffer }>;
}

/** Read once, on the first request that needs the files, and kept: the built files change only with a new build. */
let built: Built | undefined;
function readBuilt(): Built {
  if (built) return built;
  const dir = builtDir();
  if (!dir || !fs.existsSync(path.join(dir, "index.html")))
    throw new TrellisError(503, "admin_page_not_built", "The admin page is not built: run npm install (or node scripts/build.mjs).");
  const assets = new Map<string, { type: string; body: Buffer; gzipped: Buffer }>();
  const assetsDir = path.join(dir, "assets");
  for (const name of fs.existsSync(assetsDir) ? fs.readdirSync(assetsDir) : []) {
    const type = TYPES[path.extname(name)];
    if (!type || !ASSET_NAME.test(name)) continue;
    const body = fs.readFileSync(path.join(assetsDir, name));
    assets.set(name, { type, body, gzipped: gzipSync(body) });
  }
  built = { index: fs.readFileSync(path.join(dir, "index.html"), "utf8"), assets };
  return built;
}

const escapeAttribute = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

export interface AdminPageOptions {
  /** trellis.yaml's prefix: the page calls `${prefix}/auth/login`, `${prefix}/admin/users`, … */
  readonly prefix: string;
  /** The Authorization scheme the page sends its token with. */
  readonly authScheme: string;
}

/**
 * GET /admin (and /admin/): the admin page; its script and style under /admin/_ui/assets/. Mounted after the
 * app's endpoints, so an app's own GET /admin wins. Its places are hash routes (#/users), never paths, since
 * the admin API owns /admin/users, /admin/log and the rest.
 */
export function mountAdminPage(router: Hono, options: AdminPageOptions): void {
  const settings =
    `<meta name="trellis-prefix" content="${escapeAttribute(options.prefix)}">\n` +
    `<meta name="trellis-auth-scheme" content="${escapeAttribute(options.authScheme)}">\n`;
  const page = (c: Context) =>
    c.html(readBuilt().index.replace("</head>", `${settings}</head>`), 200, {
      "Content-Security-Policy": ADMIN_PAGE_POLICY,
      "Referrer-Policy": "no-referrer",
      "Cache-Control": "no-cache",
      ...SECURITY_HEADERS,
    });
  router.get("/admin", page);
  router.get("/admin/", page);
  router.get(`${ASSETS_ROUTE}/:name`, (c, next) => {
    const asset = readBuilt().assets.get(c.req.param("name"));
    if (!asset) return next();
    const gzip = /\bgzip\b/.test(c.req.header("accept-encoding") ?? "");
    const headers: Record<string, string> = {
      "Content-Type": asset.type,
      // The names carry a hash of the content: a new build has new names.
      "Cache-Control": "public, max-age=31536000, immutable",
      Vary: "Accept-Encoding",
      ...SECURITY_HEADERS,
    };
    if (gzip) headers["Content-Encoding"] = "gzip";
    return c.body(new Uint8Array(gzip ? asset.gzipped : asset.body), 200, headers);
  });
}
