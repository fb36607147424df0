import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { pruneHits } from "../../src/auth/rate-limit-store.ts";
import type { TrellisApp } from "../../src/create-app.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { purgeExpired } from "../../src/db/retention.ts";
import { databaseTargets, resetDatabase } from "../helpers/databases.ts";
import { createTestApp, json, tempDir } from "../helpers/test-app.ts";

const DAY = 86_400_000;

/** An app with one endpoint capped at 2 calls a week per caller name. */
function weeklyCapApp(): string {
  const dir = tempDir("trellis-weekly-cap-");
  fs.mkdirSync(path.join(dir, "endpoints"), { recursive: true });
  fs.writeFileSync(path.join(dir, "roles.yaml"), "guest:\n  description: Signed-up users\n");
  fs.writeFileSync(
    path.join(dir, "endpoints", "ping.post.yaml"),
    `allow: public
input:
  body:
    name: { type: string, minLength: 1, maxLength: 50 }
steps:
  - rate-limit: { key: "ping:\${body.name}", limit: 2, window: 7d }
response:
  status: 202
  body: { ok: true }
`,
  );
  return dir;
}

for (const target of databaseTargets()) {
  describe(`security: a cap over more than a day (${target.name})`, () => {
    const clock = { now: Date.parse("2026-03-01T12:00:00Z") };
    let database: DatabaseHandle;
    let app: TrellisApp;
    before(async () => {
      database = await target.open();
      app = await createTestApp({ appDir: weeklyCapApp(), database, now: () => new Date(clock.now) });
    });
    after(async () => {
      await app.close();
      await database.close();
    });
    beforeEach(() => resetDatabase(database));

    const ping = (name: string) => app.request("/ping", json({ name }));
    /** What the app's hourly retention job runs (create-app.ts hands it pruneHits). */
    const hourlyJob = async () => {
      await purgeExpired(app.services.db, app.services.now(), app.config.retention);
      await pruneHits(app.services.db, app.services.now());
    };

    it("a 7-day cap still counts its hits two days later, after the hourly purge and another caller's hits have run", async () => {
      assert.equal((await ping("ann")).status, 202);
      assert.equal((await ping("ann")).status, 202);
      clock.now += 2 * DAY;
      // Another key's hit prunes that key's expired hits; the purge prunes every key's.
      assert.equal((await ping("bo")).status, 202);
      await hourlyJob();

      const refused = await ping("ann");
      assert.equal(refused.status, 429);
      assert.equal((await refused.json()).error.code, "too_many_requests");
      assert.equal(Number(refused.headers.get("retry-after")), 5 * 86_400, "until the first hit leaves its week");
    });

    it("once its window has ended the hit is purged and the caller may call again", async () => {
      assert.equal((await ping("cy")).status, 202);
      assert.equal((await ping("cy")).status, 202);
      clock.now += 7 * DAY + 1000;
      await hourlyJob();
      const left = await database.db.selectFrom("rate_limit_hits").select("key").execute();
      assert.deepEqual(left, [], "expired hits are gone");
      assert.equal((await ping("cy")).status, 202);
    });
  });
}
