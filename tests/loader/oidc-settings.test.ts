import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { loadApp } from "../../src/loader/load-app.ts";
import { formatIssue } from "../../src/loader/load-issue.ts";
import { fixture, tempDir } from "../helpers/test-app.ts";

describe("trellis.yaml's oidc settings", () => {
  it("reports every mistake at its file:line:col", async () => {
    const dir = fixture("oidc-broken");
    const { app, issues } = await loadApp(dir);
    assert.equal(app, undefined);
    assert.deepEqual(
      issues.map((issue) => formatIssue(issue, dir)),
      [
        "trellis.yaml:2:20 each redirect_allow entry must be an absolute http(s) URL with no ?query or #fragment (the sign-in adds ?code=)",
        "trellis.yaml:2:55 each redirect_allow entry must be an absolute http(s) URL with no ?query or #fragment (the sign-in adds ?code=)",
        "trellis.yaml:4:5 a provider's name is kebab-case (it is the {provider} in /auth/oidc/{provider})",
        'trellis.yaml:6:5 a provider cannot be named "token": POST /auth/oidc/token trades the sign-in code',
        "trellis.yaml:9:15 issuer must be an https URL (http only for localhost)",
        "trellis.yaml:15:26 client_secret_env must be the name of an environment variable, like EXAMPLE_CLIENT_SECRET",
        "trellis.yaml:16:15 an OpenID Connect issuer needs the openid scope",
        "trellis.yaml:17:14 users must be link (sign in existing users only) or create (also make new ones)",
        "trellis.yaml:19:7 userinfo_endpoint is required",
        'trellis.yaml:23:7 unknown field "scope" (did you mean "scopes"?)',
      ],
    );
  });

  it("loads a complete issuer and a GitHub-style provider, with the defaults filled in", async () => {
    const dir = tempDir();
    fs.cpSync(fixture("oidc-broken"), dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, "trellis.yaml"),
      `oidc:
  redirect_allow: [https://app.example.com/signed-in]
  providers:
    example:
      issuer: https://id.example.com
      client_id: app
      client_secret_env: EXAMPLE_CLIENT_SECRET
    github:
      authorization_endpoint: https://github.com/login/oauth/authorize
      token_endpoint: https://github.com/login/oauth/access_token
      userinfo_endpoint: https://api.github.com/user
      emails_endpoint: https://api.github.com/user/emails
      client_id: app
      client_secret_env: GITHUB_CLIENT_SECRET
      scopes: [read:user, user:email]
      users: create
`,
    );
    const { app, issues } = await loadApp(dir);
    assert.deepEqual(
      issues.filter((issue) => issue.severity !== "warning"),
      [],
    );
    const { oidc } = app?.settings ?? assert.fail("no app");
    assert.deepEqual(oidc.redirectAllow, ["https://app.example.com/signed-in"]);
    assert.deepEqual(oidc.providers.get("example"), {
      kind: "issuer",
      name: "example",
      issuer: "https://id.example.com",
      clientId: "app",
      clientSecretEnv: "EXAMPLE_CLIENT_SECRET",
      scopes: ["openid", "email", "profile"],
      users: "link",
    });
    assert.equal(oidc.providers.get("github")?.kind, "oauth2");
    assert.equal(oidc.providers.get("github")?.users, "create");
  });
});
