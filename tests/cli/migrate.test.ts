import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { runTrellis } from "../helpers/cli.ts";
import { fixture, tempDir } from "../helpers/test-app.ts";

describe("trellis migrate", () => {
  it("applies trellis's migrations and the app's, once", async () => {
    const dataDir = tempDir();
    const env = { DATA_DIR: dataDir, APP_DIR: fixture("migrations-app") };
    const first = runTrellis(["migrate"], env);
    assert.equal(await first.exited, 0, first.output());
    assert.match(
      first.output(),
      /applied: 0001_core, 0002_rate_limits, 0003_accounts_and_failed_mail, 0004_rate_limit_expiry, 0005_totp, 0006_identities, 001_books\.sql, 002_authors\.sql/,
    );
    const again = runTrellis(["migrate"], env);
    assert.equal(await again.exited, 0, again.output());
    assert.match(again.output(), /up to date/);
  });
});
