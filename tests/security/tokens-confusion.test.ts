import assert from "node:assert/strict";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { after, before, beforeEach, describe, it } from "node:test";
import * as jose from "jose";
import type { TrellisApp } from "../../src/create-app.ts";
import { login, register, registerConfirmed, type Session, signIn } from "../helpers/accounts.ts";
import { REPO_ROOT } from "../helpers/cli.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { accessClaims, forgeToken } from "../helpers/forge-token.ts";
import { countRows } from "../helpers/rows.ts";
import { PUBLIC_URL, useShippedApp } from "../helpers/shipped-app.ts";
import { tokenIn } from "../helpers/smtp.ts";
import { bearer, createTestApp, json, tokenFor } from "../helpers/test-app.ts";

const privatePem = (type: "rsa" | "ec") =>
  generateKeyPairSync(
    type as "rsa",
    {
      ...(type === "rsa" ? { modulusLength: 2048 } : { namedCurve: "P-256" }),
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    } as never,
  ).privateKey as unknown as string;

for (const target of databaseTargets()) {
  describe(`confused tokens: a key or token used where another belongs is refused (${target.name})`, () => {
    const t = useShippedApp(target);
    const signers: { algorithm: string; pem: string; app: TrellisApp }[] = [];
    let victimId: string;

    before(async () => {
      for (const [algorithm, type] of [
        ["RS256", "rsa"],
        ["ES256", "ec"],
      ] as const) {
        const pem = privatePem(type);
        const env = { JWT_PRIVATE_KEY: pem, JWT_SECRET: "", SMTP_URL: t.smtp.url, PUBLIC_URL };
        signers.push({ algorithm, pem, app: await createTestApp({ appDir: REPO_ROOT, database: t.database, env }) });
      }
    });
    after(async () => {
      for (const { app } of signers) await app.close();
    });
    beforeEach(async () => {
      await registerConfirmed(t.app, t.smtp, "victim@example.com", "correct horse");
      victimId = (await t.database.db.selectFrom("users").select("id").executeTakeFirstOrThrow()).id;
    });

    const victimRoles = async () =>
      (await t.database.db.selectFrom("user_roles").select("role").where("user_id", "=", victimId).execute()).map((row) => row.role);
    const grantAdmin = (app: TrellisApp, token: string) =>
      app.request(`/admin/users/${victimId}/roles/admin`, { method: "PUT", headers: bearer(token) });
    async function assertRefused(res: Response, status = 401, code = "invalid_token") {
      assert.equal(res.status, status);
      assert.equal((await res.json()).error.code, code);
    }
    const liveRefreshTokens = () => countRows(t.database.db, "refresh_tokens");

    for (const algorithm of ["RS256", "ES256"]) {
      it(`RS/HS confusion: an HS256 token keyed with the ${algorithm} app's public key (PEM, DER, JWK) is 401 and grants nothing`, async () => {
        const signer = signers.find((s) => s.algorithm === algorithm) ?? assert.fail("no signer");
        const own = await tokenFor(signer.app, ["admin"]);
        assert.equal((await grantAdmin(signer.app, own)).status, 204, "control: the app's own token works");
        await t.database.db.deleteFrom("user_roles").where("role", "=", "admin").execute();

        const jwks = await (await signer.app.request("/.well-known/jwks.json")).json();
        const publicKey = createPublicKey(signer.pem);
        const kid = jose.decodeProtectedHeader(own).kid;
        const secrets = [
          publicKey.export({ type: "spki", format: "pem" }).toString(),
          publicKey.export({ type: "spki", format: "der" }),
          JSON.stringify(jwks.keys[0]),
          JSON.stringify(jwks),
        ];
        for (const secret of secrets) {
          const forged = forgeToken({ header: { alg: "HS256", typ: "at+jwt", kid }, claims: accessClaims(t.clock.now), secret });
          await assertRefused(await grantAdmin(signer.app, forged));
        }
        assert.deepEqual(await victimRoles(), ["guest"]);
      });
    }

    it("a token of the attacker's own RSA key, carrying the app's kid, is 401", async () => {
      const signer = signers[0] ?? assert.fail("no signer");
      const kid = jose.decodeProtectedHeader(await tokenFor(signer.app, ["admin"])).kid;
      const attackerKey = (await jose.generateKeyPair("RS256")).privateKey;
      const forged = await new jose.SignJWT(accessClaims(t.clock.now))
        .setProtectedHeader({ alg: "RS256", typ: "at+jwt", kid: kid ?? "" })
        .sign(attackerKey);
      await assertRefused(await grantAdmin(signer.app, forged));
      assert.deepEqual(await victimRoles(), ["guest"]);
    });

    it("an HS256 app's token is 401 on the app signing with RS256 (keys are not shared between algorithms)", async () => {
      const signer = signers[0] ?? assert.fail("no signer");
      await assertRefused(await grantAdmin(signer.app, await tokenFor(t.app, ["admin"])));
      assert.deepEqual(await victimRoles(), ["guest"]);
    });

    it("a refresh token sent as the bearer token is 401", async () => {
      const session = await signIn(t.app, "victim@example.com", "correct horse");
      await assertRefused(await t.app.request("/auth/me", { headers: bearer(session.refresh_token) }));
    });

    it("a confirmation token sent as the bearer token is 401, and the account stays unconfirmed", async () => {
      await register(t.app, "new@example.com", "correct horse");
      const token = tokenIn(await t.smtp.waitFor("new@example.com", /Confirm/));
      await assertRefused(await t.app.request("/auth/me", { headers: bearer(token) }));
      const user = await t.database.db
        .selectFrom("users")
        .select("confirmed_at")
        .where("email", "=", "new@example.com")
        .executeTakeFirstOrThrow();
      assert.equal(user.confirmed_at, null);
    });

    it("a reset token sent as the bearer token is 401, and the token is not spent", async () => {
      await t.app.request("/auth/forgot-password", json({ email: "victim@example.com" }));
      const token = tokenIn(await t.smtp.waitFor("victim@example.com", /Reset/));
      await assertRefused(await t.app.request("/auth/me", { headers: bearer(token) }));
      const spent = await t.database.db
        .selectFrom("one_time_tokens")
        .select("consumed_at")
        .where("purpose", "=", "reset-password")
        .executeTakeFirstOrThrow();
      assert.equal(spent.consumed_at, null);
    });

    it("an access token (or its signature part) sent as a refresh token gets no new pair", async () => {
      const session: Session = await signIn(t.app, "victim@example.com", "correct horse");
      const before = await liveRefreshTokens();
      // A JWT is longer than any refresh token may be.
      await assertRefused(await t.app.request("/auth/refresh", json({ refresh_token: session.access_token })), 400, "validation_failed");
      const signature = session.access_token.split(".")[2] ?? "";
      await assertRefused(await t.app.request("/auth/refresh", json({ refresh_token: signature })), 401, "invalid_refresh_token");
      assert.equal(await liveRefreshTokens(), before, "no refresh token was issued");
    });

    it("an access token or a refresh token sent as a reset token changes no password", async () => {
      const session = await signIn(t.app, "victim@example.com", "correct horse");
      const reset = (token: string) => t.app.request("/auth/reset-password", json({ token, password: "attacker chosen" }));
      await assertRefused(await reset(session.access_token), 400, "validation_failed");
      await assertRefused(await reset(session.refresh_token), 400, "invalid_token");
      await assertRefused(await reset(session.access_token.split(".")[2] ?? ""), 400, "invalid_token");
      assert.equal((await login(t.app, "victim@example.com", "attacker chosen")).status, 401);
      assert.equal((await login(t.app, "victim@example.com", "correct horse")).status, 200);
    });

    it("a confirmation token sent to reset-password is 400 invalid_token and the password stays", async () => {
      await register(t.app, "new@example.com", "correct horse");
      const token = tokenIn(await t.smtp.waitFor("new@example.com", /Confirm/));
      await assertRefused(await t.app.request("/auth/reset-password", json({ token, password: "attacker chosen" })), 400, "invalid_token");
      assert.equal((await login(t.app, "new@example.com", "correct horse")).status, 200);
    });

    it("a reset token sent to confirm is 400 invalid_token and confirms nothing", async () => {
      await register(t.app, "new@example.com", "correct horse");
      await t.app.request("/auth/forgot-password", json({ email: "new@example.com" }));
      const token = tokenIn(await t.smtp.waitFor("new@example.com", /Reset/));
      await assertRefused(await t.app.request("/auth/confirm", json({ token })), 400, "invalid_token");
      const user = await t.database.db
        .selectFrom("users")
        .select("confirmed_at")
        .where("email", "=", "new@example.com")
        .executeTakeFirstOrThrow();
      assert.equal(user.confirmed_at, null);
    });
  });
}
