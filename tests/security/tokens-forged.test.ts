import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, beforeEach, describe, it } from "node:test";
import * as jose from "jose";
import { registerConfirmed } from "../helpers/accounts.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { accessClaims, forgeToken } from "../helpers/forge-token.ts";
import { useShippedApp } from "../helpers/shipped-app.ts";
import { tokenFor } from "../helpers/test-app.ts";

/** A web server an attacker points `jku`/`x5u` at: it counts every request it gets. */
async function startKeyServer(jwks: unknown): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server = http.createServer((_req, res) => {
    hits += 1;
    res.writeHead(200, { "Content-Type": "application/json" }).end(JSON.stringify(jwks));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    hits: () => hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

for (const target of databaseTargets()) {
  describe(`forged access tokens: header and signature tricks are 401 and grant nothing (${target.name})`, () => {
    const t = useShippedApp(target);
    let victimId: string;
    let appHeader: jose.ProtectedHeaderParameters;
    const attacker = generateKeyPairSync("rsa", { modulusLength: 2048 });
    let keyServer: Awaited<ReturnType<typeof startKeyServer>>;

    before(async () => {
      const publicJwk = { ...attacker.publicKey.export({ format: "jwk" }), kid: "attacker", alg: "RS256", use: "sig" };
      keyServer = await startKeyServer({ keys: [publicJwk] });
    });
    after(() => keyServer.close());
    beforeEach(async () => {
      await registerConfirmed(t.app, t.smtp, "victim@example.com", "correct horse");
      victimId = (await t.database.db.selectFrom("users").select("id").executeTakeFirstOrThrow()).id;
      // Forgeries start from the header trellis itself writes, so each differs from a good token by one thing only.
      appHeader = jose.decodeProtectedHeader(await tokenFor(t.app, ["admin"]));
    });

    /** The attack: make the victim an admin with the forged token. */
    const grantAdmin = (authorization: string) =>
      t.app.request(`/admin/users/${victimId}/roles/admin`, { method: "PUT", headers: { Authorization: authorization } });
    const victimRoles = async () =>
      (await t.database.db.selectFrom("user_roles").select("role").where("user_id", "=", victimId).execute()).map((row) => row.role);

    async function assertRefused(token: string) {
      const res = await grantAdmin(`Bearer ${token}`);
      assert.equal(res.status, 401);
      assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
      assert.equal((await res.json()).error.code, "invalid_token");
      assert.deepEqual(await victimRoles(), ["guest"], "no role was granted");
    }

    it("control: a token forged exactly as trellis signs (right secret, header and claims) is accepted", async () => {
      const res = await grantAdmin(`Bearer ${forgeToken({ header: appHeader, claims: accessClaims(t.clock.now) })}`);
      assert.equal(res.status, 204);
      assert.deepEqual((await victimRoles()).sort(), ["admin", "guest"]);
    });

    it("alg none (in any spelling) with no signature is 401", async () => {
      for (const alg of ["none", "None", "NONE", "nOnE"])
        await assertRefused(forgeToken({ header: { ...appHeader, alg }, claims: accessClaims(t.clock.now) }));
    });

    it("HS384 and HS512 signed with the right secret are 401: the algorithm is pinned", async () => {
      for (const alg of ["HS384", "HS512"])
        await assertRefused(forgeToken({ header: { ...appHeader, alg }, claims: accessClaims(t.clock.now) }));
    });

    it("a payload edited to add the admin role, the guest token's signature kept, is 401", async () => {
      const guest = (await tokenFor(t.app, ["guest"])).split(".");
      const edited = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(guest[1] ?? "", "base64url").toString()), roles: ["admin"] }));
      await assertRefused(`${guest[0]}.${edited.toString("base64url")}.${guest[2]}`);
    });

    it("a token re-signed with a guessed secret is 401", async () => {
      for (const secret of ["", "secret", "trellis", "changeme", "your-256-bit-secret", "test-secret"]) {
        await assertRefused(forgeToken({ header: appHeader, claims: accessClaims(t.clock.now), secret }));
      }
    });

    it("a crit header naming an extension trellis does not know is 401, even with the right secret", async () => {
      await assertRefused(
        forgeToken({ header: { ...appHeader, crit: ["x-trellis-admin"], "x-trellis-admin": true }, claims: accessClaims(t.clock.now) }),
      );
    });

    it("a jku header pointing at the attacker's key set is 401 and is never fetched", async () => {
      const token = await new jose.SignJWT(accessClaims(t.clock.now))
        .setProtectedHeader({ alg: "RS256", typ: "at+jwt", kid: "attacker", jku: keyServer.url })
        .sign(attacker.privateKey);
      await assertRefused(token);
      assert.equal(keyServer.hits(), 0);
    });

    it("an x5u header pointing at the attacker's server is 401 and is never fetched", async () => {
      const token = await new jose.SignJWT(accessClaims(t.clock.now))
        .setProtectedHeader({ alg: "RS256", typ: "at+jwt", x5u: keyServer.url })
        .sign(attacker.privateKey);
      await assertRefused(token);
      assert.equal(keyServer.hits(), 0);
    });

    it("a jwk header embedding the attacker's own public key is 401", async () => {
      const jwk = attacker.publicKey.export({ format: "jwk" });
      const token = await new jose.SignJWT(accessClaims(t.clock.now))
        .setProtectedHeader({ alg: "RS256", typ: "at+jwt", jwk })
        .sign(attacker.privateKey);
      await assertRefused(token);
    });

    it("kid tricks (path traversal to an empty file, SQL, a URL) with a token signed by an empty or guessed key are 401", async () => {
      for (const kid of ["../../../../../../dev/null", "' union select 'secret' --", keyServer.url, "0"]) {
        for (const secret of ["", "secret"])
          await assertRefused(forgeToken({ header: { ...appHeader, kid }, claims: accessClaims(t.clock.now), secret }));
      }
      assert.equal(keyServer.hits(), 0);
    });

    it("roles sent as a string instead of an array grant no role: 403, nothing granted", async () => {
      for (const roles of ["admin", { 0: "admin" }, [["admin"]]]) {
        const res = await grantAdmin(`Bearer ${forgeToken({ header: appHeader, claims: accessClaims(t.clock.now, roles) })}`);
        assert.equal(res.status, 403, JSON.stringify(roles));
        assert.equal((await res.json()).error.code, "forbidden");
      }
      assert.deepEqual(await victimRoles(), ["guest"]);
    });

    it("a good admin token with trailing garbage (a byte, a fourth segment, whitespace inside) is 401", async () => {
      const good = await tokenFor(t.app, ["admin"]);
      for (const token of [`${good}x`, `${good}.e30`, `${good}=`, good.replace(".", ". ")]) await assertRefused(token);
    });

    it("a huge token (100 KB) is 401 at once and changes nothing", async () => {
      const started = performance.now();
      await assertRefused(
        forgeToken({ header: appHeader, claims: { ...accessClaims(t.clock.now), pad: "x".repeat(100_000) }, secret: "guess" }),
      );
      assert.ok(performance.now() - started < 5000, "answers without hanging");
    });
  });
}
