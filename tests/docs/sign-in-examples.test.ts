import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { createOidcProviders } from "../../src/auth/oidc/oidc-providers.ts";
import { loadSettings } from "../../src/loader/load-settings.ts";
import { REPO_ROOT } from "../helpers/cli.ts";
import { tempDir } from "../helpers/test-app.ts";

/** Each `trellis.yaml` block of docs/sign-in-providers.md, as a reader would copy it. */
function settingsBlocks(): string[] {
  const page = fs.readFileSync(path.join(REPO_ROOT, "docs", "sign-in-providers.md"), "utf8");
  return [...page.matchAll(/```yaml\n((?:# trellis\.yaml\n)?oidc:\n[\s\S]*?)```/g)].map((match) => match[1] ?? "");
}

function load(text: string) {
  const file = path.join(tempDir("trellis-oidc-doc-"), "trellis.yaml");
  fs.writeFileSync(file, text);
  return loadSettings(file);
}

describe("docs/sign-in-providers.md's examples", () => {
  it("load as written, with no issue: an OpenID Connect issuer and a GitHub-style provider among them", () => {
    const blocks = settingsBlocks();
    assert.ok(blocks.length >= 3, `found ${blocks.length} trellis.yaml blocks`);
    const kinds = new Map<string, string>();
    for (const block of blocks) {
      const { settings, issues } = load(block);
      assert.deepEqual(issues, [], block);
      assert.ok(settings.oidc.providers.size > 0, block);
      for (const [name, provider] of settings.oidc.providers) kinds.set(name, provider.kind);
    }
    assert.equal(kinds.get("keycloak"), "issuer");
    assert.equal(kinds.get("github"), "oauth2");
  });

  it("start in production once the secret variables they name are set", () => {
    for (const block of settingsBlocks()) {
      const { oidc } = load(block).settings;
      const env = Object.fromEntries([...oidc.providers.values()].map((provider) => [provider.clientSecretEnv, "a-secret"]));
      const providers = createOidcProviders(oidc, { env, production: true, onWarning: () => {} });
      for (const name of oidc.providers.keys()) assert.equal(providers.get(name)?.ready, true, name);
      assert.throws(() => createOidcProviders(oidc, { env: {}, production: true, onWarning: () => {} }));
    }
  });
});
