import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { createSecretBox, parseKey } from "../../src/auth/secret-box.ts";
import { loadConfig } from "../../src/config.ts";
import { tempDir } from "../helpers/test-app.ts";

const config = (env: Record<string, string>) => loadConfig({ DATA_DIR: tempDir(), ...env });

describe("secrets sealed at rest (ENCRYPTION_KEY, AES-256-GCM)", () => {
  it("opens what it sealed, only for the same context and key", () => {
    const key = randomBytes(32).toString("base64");
    const box = createSecretBox(config({ ENCRYPTION_KEY: key }));
    const sealed = box.seal("JBSWY3DPEHPK3PXP", "totp:ann");
    assert.match(sealed, /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    assert.ok(!sealed.includes("JBSWY3DPEHPK3PXP"));
    assert.notEqual(box.seal("JBSWY3DPEHPK3PXP", "totp:ann"), sealed, "a fresh IV each time");
    assert.equal(box.open(sealed, "totp:ann"), "JBSWY3DPEHPK3PXP");
    assert.throws(() => box.open(sealed, "totp:bob"));
    const other = createSecretBox(config({ ENCRYPTION_KEY: randomBytes(32).toString("hex") }));
    assert.throws(() => other.open(sealed, "totp:ann"));
    const [version, iv, data, tag] = sealed.split(".");
    const flipped = `${version}.${iv}.${data?.startsWith("A") ? "B" : "A"}${data?.slice(1)}.${tag}`;
    assert.throws(() => box.open(flipped, "totp:ann"));
  });

  it("takes 32 bytes as hex or base64, and nothing else", () => {
    assert.equal(parseKey("ab".repeat(32)).length, 32);
    assert.equal(parseKey(randomBytes(32).toString("base64url")).length, 32);
    for (const bad of ["", "short", "ab".repeat(31), randomBytes(16).toString("base64"), randomBytes(48).toString("base64")]) {
      assert.throws(() => parseKey(bad), /ENCRYPTION_KEY must be 32 bytes/, JSON.stringify(bad));
    }
  });

  it("in development generates one key under DATA_DIR, readable only by its owner, and keeps using it", () => {
    const dir = tempDir();
    const sealed = createSecretBox(loadConfig({ DATA_DIR: dir }), { now: true }).seal("secret", "ctx");
    const file = path.join(dir, "encryption-key");
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    assert.equal(createSecretBox(loadConfig({ DATA_DIR: dir })).open(sealed, "ctx"), "secret");
  });

  it("in production never generates one: resolving it without ENCRYPTION_KEY fails, naming the variable", () => {
    const dir = tempDir();
    assert.throws(() => createSecretBox(loadConfig({ DATA_DIR: dir, NODE_ENV: "production" }), { now: true }), /ENCRYPTION_KEY/);
    const lazy = createSecretBox(loadConfig({ DATA_DIR: dir, NODE_ENV: "production" }));
    assert.throws(() => lazy.seal("secret", "ctx"), /ENCRYPTION_KEY/);
    assert.ok(!fs.existsSync(path.join(dir, "encryption-key")));
  });
});
