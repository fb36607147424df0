import assert from "node:assert/strict";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { createLocalJWKSet, decodeProtectedHeader, importPKCS8, jwtVerify, SignJWT } from "jose";
import { createKeyStore } from "../../src/auth/key-store.ts";
import { loadConfig } from "../../src/config.ts";
import type { TrellisApp } from "../../src/create-app.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { bearer, createTestApp, fixture, tempDir, tokenFor } from "../helpers/test-app.ts";

const OLD_SECRET = "the-old-secret-that-is-at-least-32-bytes-long";
const NEW_SECRET = "the-new-secret-that-is-at-least-32-bytes-long";

const privatePem = (type: "ed25519" | "ec" | "rsa", options: Record<string, unknown> = {}): string =>
  generateKeyPairSync(type as "ed25519", {
    ...options,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  }).privateKey as unknown as string;

const publicPem = (pem: string): string => createPublicKey(pem).export({ type: "spki", format: "pem" }).toString();

/** A request to an endpoint of the engine fixture that needs the role admin. */
const adminOnly = (app: TrellisApp, token: string) => app.request("/admin-only", { headers: bearer(token) });

async function assertRejected(res: Response): Promise<void> {
  assert.equal(res.status, 401);
  assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer/);
  assert.equal((await res.json()).error.code, "invalid_token");
}

for (const target of databaseTargets()) {
  describe(`signing-key rotation: the newest signs, every configured key verifies, a removed key is 401 at once (${target.name})`, () => {
    let database: DatabaseHandle;
    const open: TrellisApp[] = [];
    before(async () => {
      database = await target.open();
    });
    after(async () => {
      for (const app of open) await app.close();
      await database.close();
    });
    /** An app of the engine fixture with these keys, as after a restart with this environment. */
    const start = async (env: Record<string, string>): Promise<TrellisApp> => {
      const app = await createTestApp({ appDir: fixture("engine"), database, env });
      open.push(app);
      return app;
    };

    it("HS256: with the old secret in JWT_PREVIOUS_SECRETS, its tokens still verify; new tokens are signed with JWT_SECRET alone", async () => {
      const before = await start({ JWT_SECRET: OLD_SECRET });
      const oldToken = await tokenFor(before, ["admin"]);
      const rotated = await start({ JWT_SECRET: NEW_SECRET, JWT_PREVIOUS_SECRETS: OLD_SECRET });
      assert.equal((await adminOnly(rotated, oldToken)).status, 200);

      const newToken = await tokenFor(rotated, ["admin"]);
      assert.deepEqual(decodeProtectedHeader(newToken), { alg: "HS256", typ: "at+jwt" }, "no kid: the header stays as the contract says");
      await jwtVerify(newToken, new TextEncoder().encode(NEW_SECRET));
      await assert.rejects(jwtVerify(newToken, new TextEncoder().encode(OLD_SECRET)), "the retired secret does not sign");
    });

    it("HS256: once the old secret is removed, its token is 401 invalid_token at once, though the app before the restart had it verified and cached", async () => {
      const before = await start({ JWT_SECRET: OLD_SECRET });
      const oldToken = await tokenFor(before, ["admin"]);
      const rotated = await start({ JWT_SECRET: NEW_SECRET, JWT_PREVIOUS_SECRETS: OLD_SECRET });
      assert.equal((await adminOnly(rotated, oldToken)).status, 200);
      assert.ok(rotated.services.keys.knownAccessToken(oldToken), "verified and cached by the store that trusted the old secret");

      const removed = await start({ JWT_SECRET: NEW_SECRET });
      assert.equal(removed.services.keys.knownAccessToken(oldToken), undefined, "a new key store starts with no cache");
      await assertRejected(await adminOnly(removed, oldToken));
      assert.equal((await adminOnly(removed, await tokenFor(removed, ["admin"]))).status, 200);
    });

    it("asymmetric: the newest key signs with its kid; JWKS lists it and every previous key, public parts only", async () => {
      const previousRsa = privatePem("rsa", { modulusLength: 2048 });
      const previousEc = publicPem(privatePem("ec", { namedCurve: "P-256" }));
      const app = await start({
        JWT_SECRET: "",
        JWT_PRIVATE_KEY: privatePem("ed25519"),
        JWT_PREVIOUS_KEYS: `${previousRsa}\n${previousEc}`,
      });
      const token = await tokenFor(app, ["admin"], "user-1");
      const header = decodeProtectedHeader(token);
      assert.equal(header.alg, "EdDSA");

      const res = await app.request("/.well-known/jwks.json");
      assert.equal(res.status, 200);
      const jwks = await res.json();
      assert.deepEqual(
        jwks.keys.map((key: { alg: string }) => key.alg),
        ["EdDSA", "RS256", "ES256"],
      );
      assert.equal(jwks.keys[0].kid, header.kid, "the signing key comes first");
      assert.equal(new Set(jwks.keys.map((key: { kid: string }) => key.kid)).size, 3);
      for (const key of jwks.keys) for (const secret of ["d", "p", "q", "dp", "dq", "qi", "k"]) assert.ok(!(secret in key), `no ${secret}`);
      const { payload } = await jwtVerify(token, createLocalJWKSet(jwks), { issuer: "trellis", audience: "trellis" });
      assert.equal(payload.sub, "user-1");
    });

    it("asymmetric: a token of a previous key verifies by its kid while JWT_PREVIOUS_KEYS holds it, and is 401 once removed", async () => {
      const oldKey = privatePem("ec", { namedCurve: "P-256" });
      const newKey = privatePem("ed25519");
      const before = await start({ JWT_SECRET: "", JWT_PRIVATE_KEY: oldKey });
      const oldToken = await tokenFor(before, ["admin"]);

      const rotated = await start({ JWT_SECRET: "", JWT_PRIVATE_KEY: newKey, JWT_PREVIOUS_KEYS: publicPem(oldKey) });
      assert.equal((await adminOnly(rotated, oldToken)).status, 200);
      assert.notEqual(decodeProtectedHeader(await tokenFor(rotated, ["admin"])).kid, decodeProtectedHeader(oldToken).kid);

      const removed = await start({ JWT_SECRET: "", JWT_PRIVATE_KEY: newKey });
      await assertRejected(await adminOnly(removed, oldToken));
      const jwks = await (await removed.request("/.well-known/jwks.json")).json();
      assert.equal(jwks.keys.length, 1, "the removed key is no longer published");
    });

    it("moving from HS256 to a private key: tokens of the old secret verify through JWT_PREVIOUS_SECRETS, and no secret is published", async () => {
      const before = await start({ JWT_SECRET: OLD_SECRET });
      const oldToken = await tokenFor(before, ["admin"]);
      const moved = await start({ JWT_SECRET: "", JWT_PRIVATE_KEY: privatePem("ed25519"), JWT_PREVIOUS_SECRETS: OLD_SECRET });
      assert.equal((await adminOnly(moved, oldToken)).status, 200);
      const jwks = await (await moved.request("/.well-known/jwks.json")).json();
      assert.deepEqual(
        jwks.keys.map((key: { kty: string }) => key.kty),
        ["OKP"],
      );
    });

    it("a token whose kid names no configured key is 401, even when signed with a key of the right algorithm", async () => {
      const app = await start({ JWT_SECRET: "", JWT_PRIVATE_KEY: privatePem("ed25519") });
      const real = decodeProtectedHeader(await tokenFor(app, ["admin"]));
      const stranger = await importPKCS8(privatePem("ed25519"), "EdDSA");
      const forge = (kid: string) =>
        new SignJWT({ roles: ["admin"] })
          .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid })
          .setIssuer("trellis")
          .setAudience("trellis")
          .setSubject("intruder")
          .setIssuedAt()
          .setExpirationTime("5m")
          .sign(stranger);
      await assertRejected(await adminOnly(app, await forge("no-such-key")));
      await assertRejected(await adminOnly(app, await forge(real.kid as string)));
    });

    it("an HS256 token that carries a kid is 401: secrets have none, so its kid names no key", async () => {
      const app = await start({ JWT_SECRET: NEW_SECRET });
      const token = await new SignJWT({ roles: ["admin"] })
        .setProtectedHeader({ alg: "HS256", typ: "at+jwt", kid: "anything" })
        .setIssuer("trellis")
        .setAudience("trellis")
        .setSubject("intruder")
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(new TextEncoder().encode(NEW_SECRET));
      await assertRejected(await adminOnly(app, token));
    });

    it("a token HS256-signed with a previous key's public PEM as its secret is 401 (no algorithm confusion across the key ring)", async () => {
      const oldKey = publicPem(privatePem("rsa", { modulusLength: 2048 }));
      const app = await start({ JWT_SECRET: "", JWT_PRIVATE_KEY: privatePem("ed25519"), JWT_PREVIOUS_KEYS: oldKey });
      const token = await new SignJWT({ roles: ["admin"] })
        .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
        .setIssuer("trellis")
        .setAudience("trellis")
        .setSubject("intruder")
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(new TextEncoder().encode(oldKey));
      await assertRejected(await adminOnly(app, token));
    });

    it("a short previous secret stops a production start, and an unreadable or weak previous key stops any start", async () => {
      const config = (env: Record<string, string>) => loadConfig({ DATA_DIR: tempDir(), ...env });
      await assert.rejects(
        createKeyStore(config({ NODE_ENV: "production", JWT_SECRET: NEW_SECRET, JWT_PREVIOUS_SECRETS: "short" })),
        /JWT_PREVIOUS_SECRETS must be at least 32 bytes/,
      );
      await assert.rejects(
        createKeyStore(config({ JWT_SECRET: NEW_SECRET, JWT_PREVIOUS_KEYS: "not a key" })),
        /JWT_PREVIOUS_KEYS holds no PEM key/,
      );
      await assert.rejects(
        createKeyStore(config({ JWT_SECRET: NEW_SECRET, JWT_PREVIOUS_KEYS: privatePem("rsa", { modulusLength: 1024 }) })),
        /JWT_PREVIOUS_KEYS \(key 1\): RSA keys must be at least 2048 bits/,
      );
      const warnings: string[] = [];
      await createKeyStore(config({ JWT_SECRET: NEW_SECRET, JWT_PREVIOUS_SECRETS: "short" }), { onWarning: (m) => warnings.push(m) });
      assert.deepEqual(warnings, ["JWT_PREVIOUS_SECRETS is shorter than 32 bytes; use a longer one before going to production"]);
    });
  });
}
