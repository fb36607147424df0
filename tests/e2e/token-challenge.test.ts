import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import type { TrellisApp } from "../../src/create-app.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { databaseTargets, resetDatabase } from "../helpers/databases.ts";
import { challengeOf, newVerifier } from "../helpers/oidc-browser.ts";
import { createTestApp, json, tempDir } from "../helpers/test-app.ts";

/** Endpoints of an app's own, built only from issue-token, check-token and consume-token, as a flow of its own would be. */
function tokenApp(): string {
  const dir = tempDir("trellis-challenge-");
  fs.mkdirSync(path.join(dir, "endpoints", "codes"), { recursive: true });
  fs.writeFileSync(path.join(dir, "roles.yaml"), "guest:\n  description: confirmed user\n");
  fs.writeFileSync(
    path.join(dir, "endpoints", "codes.post.yaml"),
    `allow: public
input:
  body:
    user: { type: string }
    challenge?: { type: string }
steps:
  - issue-token: { user: "\${body.user}", purpose: test-code, expires_in: 5m, challenge: "\${body.challenge}" }
    as: code
response:
  body: { token: "\${code.token}" }
`,
  );
  fs.writeFileSync(
    path.join(dir, "endpoints", "codes", "redeem.post.yaml"),
    `allow: public
input:
  body:
    token: { type: string }
    verifier?: { type: string }
steps:
  - consume-token: { token: "\${body.token}", purpose: test-code, verifier: "\${body.verifier}" }
    as: consumed
response:
  body: { user_id: "\${consumed.user_id}" }
`,
  );
  fs.writeFileSync(
    path.join(dir, "endpoints", "codes", "check.post.yaml"),
    `allow: public
input:
  body:
    token: { type: string }
    verifier?: { type: string }
steps:
  - check-token: { token: "\${body.token}", purpose: test-code, verifier: "\${body.verifier}" }
    as: checked
response:
  body: { user_id: "\${checked.user_id}" }
`,
  );
  return dir;
}

for (const target of databaseTargets()) {
  describe(`issue-token's challenge, and the verifier of consume-token and check-token (${target.name})`, () => {
    let database: DatabaseHandle;
    let app: TrellisApp;
    let user: string;

    before(async () => {
      database = await target.open();
      app = await createTestApp({ appDir: tokenApp(), database });
    });
    after(async () => {
      await app.close();
      await database.close();
    });
    beforeEach(async () => {
      await resetDatabase(database);
      const row = await database.db
        .insertInto("users")
        .values({ email: "ann@example.com", updated_at: new Date() })
        .returning("id")
        .executeTakeFirstOrThrow();
      user = row.id;
    });

    const issue = async (challenge?: string): Promise<string> => {
      const res = await app.request("/codes", json({ user, ...(challenge ? { challenge } : {}) }));
      assert.equal(res.status, 200, await res.clone().text());
      return (await res.json()).token;
    };
    const redeem = (token: string, verifier?: string) => app.request("/codes/redeem", json({ token, ...(verifier ? { verifier } : {}) }));
    async function assertInvalid(res: Response, why: string) {
      assert.equal(res.status, 400, why);
      assert.equal((await res.json()).error.code, "invalid_token", why);
    }
    const unspent = async () =>
      (await database.db.selectFrom("one_time_tokens").select("id").where("consumed_at", "is", null).execute()).length;

    it("a token with a challenge is spent only with its verifier; a missing or wrong one is refused and spends nothing", async () => {
      const verifier = newVerifier();
      const token = await issue(challengeOf(verifier));
      await assertInvalid(await redeem(token), "no verifier");
      await assertInvalid(await redeem(token, newVerifier()), "another verifier");
      await assertInvalid(await redeem(token, challengeOf(verifier)), "the challenge instead of the verifier");
      assert.equal(await unspent(), 1, "still usable after three refusals");
      const right = await redeem(token, verifier);
      assert.deepEqual([right.status, await right.json()], [200, { user_id: user }]);
      await assertInvalid(await redeem(token, verifier), "spent");
    });

    it("a token without a challenge works as before, and is refused where a verifier is asked for", async () => {
      const token = await issue();
      await assertInvalid(await redeem(token, newVerifier()), "an unbound token where a verifier is given");
      const res = await redeem(token);
      assert.deepEqual([res.status, await res.json()], [200, { user_id: user }]);
    });

    it("check-token tells whose a challenge-bound token is only with its verifier, and spends nothing", async () => {
      const verifier = newVerifier();
      const token = await issue(challengeOf(verifier));
      const check = (proof?: string) => app.request("/codes/check", json({ token, ...(proof ? { verifier: proof } : {}) }));
      await assertInvalid(await check(), "no verifier");
      await assertInvalid(await check(newVerifier()), "another verifier");
      const right = await check(verifier);
      assert.deepEqual([right.status, await right.json()], [200, { user_id: user }]);
      assert.equal(await unspent(), 1, "checking spends nothing");
      const unbound = await issue();
      await assertInvalid(
        await app.request("/codes/check", json({ token: unbound, verifier })),
        "an unbound token where a verifier is given",
      );
    });

    it("the right verifier sent several times at once spends the token once", async () => {
      const verifier = newVerifier();
      const token = await issue(challengeOf(verifier));
      const statuses = (await Promise.all([1, 2, 3].map(() => redeem(token, verifier)))).map((res) => res.status).sort();
      assert.deepEqual(statuses, [200, 400, 400]);
    });

    it("the challenge is stored as given, beside the token's hash", async () => {
      const verifier = newVerifier();
      await issue(challengeOf(verifier));
      const row = await database.db.selectFrom("one_time_tokens").select(["challenge", "token_hash"]).executeTakeFirstOrThrow();
      assert.equal(row.challenge, challengeOf(verifier));
      assert.match(row.token_hash, /^[0-9a-f]{64}$/);
    });
  });
}
