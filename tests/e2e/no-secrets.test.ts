import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { TrellisApp } from "../../src/create-app.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { login, refresh, register, signIn } from "../helpers/accounts.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { createShippedApp } from "../helpers/shipped-app.ts";
import { startSmtp, type TestSmtp, tokenIn } from "../helpers/smtp.ts";
import { bearer, json } from "../helpers/test-app.ts";

const [target] = databaseTargets();

describe("no password, token or hash reaches the log table or stdout", () => {
  let database: DatabaseHandle;
  let smtp: TestSmtp;
  let app: TrellisApp;
  const logs: string[] = [];
  const clock = { now: Date.now() };

  before(async () => {
    database = await (target ?? assert.fail("no database")).open();
    smtp = await startSmtp();
    app = await createShippedApp(database, smtp, clock, logs);
  });
  after(async () => {
    await app.close();
    await smtp.close();
    await database.close();
  });

  it("after every flow, including failures", async () => {
    const secrets: string[] = ["first secret pw", "second secret pw", "wrong secret pw"];
    await register(app, "ann@example.com", "first secret pw");
    const confirmToken = tokenIn(await smtp.waitFor("ann@example.com", /Confirm/));
    secrets.push(confirmToken);
    await app.request("/auth/confirm", json({ token: confirmToken }));
    await app.request("/auth/confirm", json({ token: confirmToken }));
    await login(app, "ann@example.com", "wrong secret pw");
    await login(app, "nobody@example.com", "wrong secret pw");
    const session = await signIn(app, "ann@example.com", "first secret pw");
    secrets.push(session.access_token, session.refresh_token);
    const next = await (await refresh(app, session.refresh_token)).json();
    secrets.push(next.access_token, next.refresh_token);
    await refresh(app, session.refresh_token);
    await app.request("/auth/forgot-password", json({ email: "ann@example.com" }));
    const resetToken = tokenIn(await smtp.waitFor("ann@example.com", /Reset/));
    secrets.push(resetToken);
    await app.request("/auth/reset-password", json({ token: resetToken, password: "second secret pw" }));
    const again = await signIn(app, "ann@example.com", "second secret pw");
    secrets.push(again.access_token, again.refresh_token);
    await app.request(
      "/auth/change-password",
      json({ current_password: "wrong secret pw", new_password: "third secret pw" }, bearer(again.access_token)),
    );
    await app.request("/auth/logout", json({ refresh_token: again.refresh_token }));
    await app.services.mailer.idle();

    const table = JSON.stringify(await database.db.selectFrom("log").selectAll().execute());
    const stdout = logs.join("\n");
    assert.ok(
      table.includes("login.failed") && table.includes("refresh.reuse") && table.includes("password.reset"),
      "the flows were logged",
    );
    for (const secret of secrets) {
      assert.ok(!table.includes(secret), `log table holds a secret: ${secret.slice(0, 8)}…`);
      assert.ok(!stdout.includes(secret), `stdout holds a secret: ${secret.slice(0, 8)}…`);
    }
    assert.doesNotMatch(table + stdout, /\$2[aby]\$\d\d\$/, "no bcrypt hash");
    const hashes = await database.db.selectFrom("refresh_tokens").select("token_hash").execute();
    for (const { token_hash } of hashes) assert.ok(!stdout.includes(token_hash) && !table.includes(token_hash), "no token hash");
  });
});
