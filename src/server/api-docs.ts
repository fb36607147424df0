import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { gzipSync } from "node:zlib";
import type { Context, Hono } from "hono";
import { SECURITY_HEADERS } from "./security-headers.ts";

/** Swagger UI's prebuilt files, from the swagger-ui-dist package: the page loads nothing from another origin. */
const DIST = path.dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));

/** The page may load only what trellis itself serves; Swagger UI sets inline styles on its elements. */
const PAGE_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** A file the page loads; read and compressed on its first request, then kept for the life of the process. */
class Asset {
  #body: Buffer | undefined;
  #gzipped: Buffer | undefined;
  constructor(
    readonly type: string,
    private readonly read: () => Buffer,
  ) {}
  body(gzip: boolean): Buffer {
    this.#body ??= this.read();
    if (!gzip) return this.#body;
    this.#gzipped ??= gzipSync(this.#body);
    return this.#gzipped;
  }
}

const JS = "text/javascript; charset=utf-8";
const ASSETS = new Map<string, Asset>([
  ["swagger-ui.css", new Asset("text/css; charset=utf-8", () => fs.readFileSync(path.join(DIST, "swagger-ui.css")))],
  ["swagger-ui-bundle.js", new Asset(JS, () => fs.readFileSync(path.join(DIST, "swagger-ui-bundle.js")))],
  ["favicon-32x32.png", new Asset("image/png", () => fs.readFileSync(path.join(DIST, "favicon-32x32.png")))],
  // In a file of its own, not inline, so the policy can forbid inline scripts.
  [
    "init.js",
    new Asset(JS, () =>
      Buffer.from(`window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  validatorUrl: null,
  tryItOutEnabled: true,
});
`),
    ),
  ],
]);

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (char) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[char] ?? char);

/** GET /docs: the interactive reference of /openapi.json, and the files it needs under /docs/. */
export function mountApiDocs(router: Hono, title: () => string): void {
  const page = () => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title())}</title>
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png">
<link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;
  router.get("/docs", (c) =>
    c.html(page(), 200, {
      "Content-Security-Policy": PAGE_POLICY,
      "Referrer-Policy": "no-referrer",
      "Cache-Control": "no-cache",
      ...SECURITY_HEADERS,
    }),
  );
  for (const [name, asset] of ASSETS) router.get(`/docs/${name}`, (c) => serveAsset(c, asset));
}

function serveAsset(c: Context, asset: Asset): Response {
  const gzip = /\bgzip\b/.test(c.req.header("accept-encoding") ?? "");
  const headers: Record<string, string> = {
    "Content-Type": asset.type,
    "Cache-Control": "public, max-age=3600",
    Vary: "Accept-Encoding",
    ...SECURITY_HEADERS,
  };
  if (gzip) headers["Content-Encoding"] = "gzip";
  return c.body(new Uint8Array(asset.body(gzip)), 200, headers);
}
