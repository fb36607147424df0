import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import type { TrellisApp } from "../../src/create-app.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { loadSettings } from "../../src/loader/load-settings.ts";
import { ADMIN_PAGE_POLICY } from "../../src/server/admin-page.ts";
import { REPO_ROOT } from "../helpers/cli.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { createTestApp, fixture, tempDir } from "../helpers/test-app.ts";
import { ensureBuilt } from "./browser.ts";

// How /admin is served, over HTTP without a browser: headers, the settings it reads, and what turns it off.

const EXPECTED_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

function appWith(files: Record<string, string>): string {
  const dir = tempDir("trellis-admin-page-");
  fs.writeFileSync(path.join(dir, "roles.yaml"), "guest:\n  description: A user\nadmin:\n  description: Admin\n  implies: [guest]\n");
  const withEndpoint = { "endpoints/hello.get.yaml": "allow: public\nresponse:\n  body: { hello: true }\n", ...files };
  for (const [name, text] of Object.entries(withEndpoint)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe("serving the admin page at /admin", () => {
  let database: DatabaseHandle;
  const apps: TrellisApp[] = [];
  const start = async (appDir: string) => {
    const app = await createTestApp({ appDir, database });
    apps.push(app);
    return app;
  };
  before(async () => {
    ensureBuilt();
    database = await (databaseTargets()[0] ?? assert.fail("no database")).open();
  });
  after(async () => {
    for (const app of apps) await app.close();
    await database.close();
  });

  it("GET /admin and /admin/ answer the page with the strict policy, nosniff and no-cache; its assets are immutable", async () => {
    assert.equal(ADMIN_PAGE_POLICY, EXPECTED_POLICY);
    const app = await start(REPO_ROOT);
    for (const route of ["/admin", "/admin/"]) {
      const res = await app.request(route);
      assert.equal(res.status, 200, route);
      assert.match(res.headers.get("content-type") ?? "", /^text\/html/);
      assert.equal(res.headers.get("content-security-policy"), EXPECTED_POLICY);
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      assert.equal(res.headers.get("cache-control"), "no-cache");
      assert.equal(res.headers.get("referrer-policy"), "no-referrer");
      const html = await res.text();
      assert.match(html, /<meta name="trellis-prefix" content="">/);
      assert.doesNotMatch(html, /<script>|<style>|style=/, "nothing inline for the policy to refuse");
      const assets = [...html.matchAll(/(?:src|href)="(\/admin\/_ui\/assets\/[^"]+)"/g)].map((match) => match[1] ?? "");
      assert.equal(assets.length, 2, html);
      for (const asset of assets) {
        const file = await app.request(asset, { headers: { "Accept-Encoding": "gzip" } });
        assert.equal(file.status, 200, asset);
        assert.equal(file.headers.get("cache-control"), "public, max-age=31536000, immutable");
        assert.equal(file.headers.get("x-content-type-options"), "nosniff");
        assert.equal(file.headers.get("content-encoding"), "gzip");
        assert.match(file.headers.get("content-type") ?? "", asset.endsWith(".js") ? /^text\/javascript/ : /^text\/css/);
      }
    }
  });

  it("an unknown asset, a path outside the assets and the API itself keep their JSON answers", async () => {
    const app = await start(REPO_ROOT);
    for (const route of ["/admin/_ui/assets/nope.js", "/admin/_ui/assets/..%2F..%2Fpackage.json", "/admin/_ui/index.html"]) {
      const res = await app.request(route);
      assert.equal(res.status, 404, route);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, "not_found");
    }
    const api = await app.request("/admin/users");
    assert.equal(api.status, 401);
    assert.equal(((await api.json()) as { error: { code: string } }).error.code, "unauthorized");
  });

  it("the page learns the app's prefix and token scheme from the meta tags, and calls the API under the prefix", async () => {
    const app = await start(fixture("settings-app"));
    const html = await (await app.request("/admin")).text();
    assert.match(html, /<meta name="trellis-prefix" content="\/api">/);
    assert.match(html, /<meta name="trellis-auth-scheme" content="Token">/);
    assert.equal((await app.request("/api/admin")).status, 404, "the page itself stays at /admin");
  });

  it("admin_page: false in trellis.yaml serves no page: /admin and its assets are 404 not_found", async () => {
    const app = await start(appWith({ "trellis.yaml": "admin_page: false\n" }));
    for (const route of ["/admin", "/admin/"]) {
      const res = await app.request(route);
      assert.equal(res.status, 404, route);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, "not_found");
    }
    const enabled = await start(REPO_ROOT);
    const html = await (await enabled.request("/admin")).text();
    const asset = /src="([^"]+)"/.exec(html)?.[1] ?? assert.fail("no script");
    assert.equal((await app.request(asset)).status, 404);
  });

  it("an app's own GET /admin wins over the page", async () => {
    const app = await start(appWith({ "endpoints/admin.get.yaml": "allow: public\nresponse:\n  body: { mine: true }\n" }));
    const res = await app.request("/admin");
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { mine: true });
    assert.equal((await app.request("/admin/")).status, 200, "/admin/ still serves the page");
  });

  it("admin_page must be a boolean: anything else is a load issue at its key", () => {
    const dir = appWith({ "trellis.yaml": "admin_page: no thanks\n" });
    const { settings, issues } = loadSettings(path.join(dir, "trellis.yaml"));
    assert.equal(settings.adminPage, true);
    assert.equal(issues.length, 1);
    assert.match(issues[0]?.message ?? "", /admin_page must be true or false/);
    const off = loadSettings(path.join(appWith({ "trellis.yaml": "admin_page: false\n" }), "trellis.yaml"));
    assert.deepEqual(off.issues, []);
    assert.equal(off.settings.adminPage, false);
  });
});
