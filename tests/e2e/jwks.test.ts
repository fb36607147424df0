import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import { createKeyStore } from "../../src/auth/key-store.ts";
import { loadConfig } from "../../src/config.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { bearer, createTestApp, fixture, tempDir, tokenFor } from "../helpers/test-app.ts";

const pem = (type: "ed25519" | "ec" | "rsa", options: Record<string, unknown> = {}): string =>
  generateKeyPairSync(type as "ed25519", {
    ...options,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }).privateKey as unknown as string;

describe("JWT_PRIVATE_KEY and /.well-known/jwks.json", () => {
  let database: DatabaseHandle;
  before(async () => {
    database = await (databaseTargets()[0] ?? assert.fail("no database")).open();
  });
  after(async () => {
    await database.close();
  });

  for (const [algorithm, key] of [
    ["EdDSA", () => pem("ed25519")],
    ["ES256", () => pem("ec", { namedCurve: "P-256" })],
    ["RS256", () => pem("rsa", { modulusLength: 2048 })],
  ] as const) {
    it(`signs with ${algorithm} and publishes the public key with a kid`, async () => {
      const app = await createTestApp({ appDir: fixture("engine"), database, env: { JWT_PRIVATE_KEY: key(), JWT_SECRET: "" } });
      const token = await tokenFor(app, ["admin"], "user-9");
      const header = decodeProtectedHeader(token);
      assert.equal(header.alg, algorithm);
      assert.equal(header.typ, "at+jwt");

      const res = await app.request("/.well-known/jwks.json");
      assert.equal(res.status, 200);
      const jwks = await res.json();
      assert.equal(jwks.keys.length, 1);
      assert.equal(jwks.keys[0].kid, header.kid);
      assert.ok(!("d" in jwks.keys[0]), "no private part");
      const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: "trellis", audience: "trellis" });
      assert.equal(payload.sub, "user-9");

      assert.equal((await app.request("/admin-only", { headers: bearer(token) })).status, 200);
      await app.close();
    });
  }

  it("refuses weak or unsupported keys", async () => {
    const config = (key: string) => loadConfig({ JWT_PRIVATE_KEY: key, DATA_DIR: tempDir() });
    await assert.rejects(createKeyStore(config(pem("rsa", { modulusLength: 1024 }))), /at least 2048/);
    await assert.rejects(createKeyStore(config(pem("ec", { namedCurve: "P-384" }))), /P-256/);
    await assert.rejects(createKeyStore(config("not a key")), /PEM/);
  });

  it("with an HS256 secret there is no key to publish (404), and production refuses a short secret", async () => {
    const app = await createTestApp({ appDir: fixture("engine"), database });
    assert.equal((await app.request("/.well-known/jwks.json")).status, 404);
    await app.close();
    await assert.rejects(
      createKeyStore(loadConfig({ NODE_ENV: "production", JWT_SECRET: "too-short", DATA_DIR: tempDir() })),
      /at least 32 bytes/,
    );
    await assert.rejects(createKeyStore(loadConfig({ NODE_ENV: "production", DATA_DIR: tempDir() })), /JWT_SECRET/);
  });

  it("without JWT_SECRET, generates one secret into DATA_DIR and keeps it across restarts", async () => {
    const dataDir = tempDir();
    const first = await createKeyStore(loadConfig({ DATA_DIR: dataDir }));
    const token = (await first.signAccessToken("u", { roles: [] })).token;
    const second = await createKeyStore(loadConfig({ DATA_DIR: dataDir }));
    assert.equal((await second.verifyAccessToken(token)).sub, "u");
  });
});
