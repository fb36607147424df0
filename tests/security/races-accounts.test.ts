import assert from "node:assert/strict";
import { describe, it } from "node:test";
import bcrypt from "bcryptjs";
import { login, register, registerConfirmed, signIn } from "../helpers/accounts.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { useShippedApp } from "../helpers/shipped-app.ts";
import { tokenIn } from "../helpers/smtp.ts";
import { json } from "../helpers/test-app.ts";

const PARALLEL = 8;

const statuses = (answers: readonly Response[]) => answers.map((res) => res.status).sort();

for (const target of databaseTargets()) {
  describe(`races: one address, one token, one refresh — used ${PARALLEL} times at once, exactly one wins (${target.name})`, () => {
    const t = useShippedApp(target);
    const count = async (table: "users" | "user_roles" | "outbox", where?: [string, string]) => {
      let query = t.database.db.selectFrom(table).select((eb) => eb.fn.countAll().as("n"));
      if (where) query = query.where(where[0] as never, "=", where[1] as never);
      return Number((await query.executeTakeFirstOrThrow()).n);
    };

    it("concurrent registrations of one address make exactly one user and one confirmation mail; each answers 202", async () => {
      const answers = await Promise.all(
        Array.from({ length: PARALLEL }, (_, i) => register(t.app, "race@example.com", `password number ${i}`)),
      );
      assert.deepEqual(statuses(answers), Array(PARALLEL).fill(202));
      const bodies = new Set(await Promise.all(answers.map((res) => res.text())));
      assert.equal(bodies.size, 1, "every answer is the same");
      assert.equal(await count("users"), 1);
      await t.smtp.waitFor("race@example.com", /Confirm/);
      await t.app.services.mailer.idle();
      const subjects = t.smtp.mails.map((mail) => mail.subject);
      assert.equal(subjects.filter((subject) => /Confirm/.test(subject)).length, 1, subjects.join("; "));
      for (const subject of subjects.filter((subject) => !/Confirm/.test(subject))) assert.match(subject, /tried to register/);
    });

    it("concurrent confirmations with one token: one 200, the rest 400 invalid_token, one guest role", async () => {
      await register(t.app, "race@example.com", "correct horse");
      const token = tokenIn(await t.smtp.waitFor("race@example.com", /Confirm/));
      const answers = await Promise.all(Array.from({ length: PARALLEL }, () => t.app.request("/auth/confirm", json({ token }))));
      assert.deepEqual(statuses(answers), [200, ...Array(PARALLEL - 1).fill(400)]);
      for (const res of answers.filter((res) => res.status === 400)) assert.equal((await res.json()).error.code, "invalid_token");
      assert.equal(await count("user_roles"), 1);
      const confirmations = await t.database.db.selectFrom("log").select("event").where("event", "=", "confirm").execute();
      assert.equal(confirmations.length, 1);
    });

    it("concurrent resets with one token: one 200 sets its password, the others' passwords never work", async () => {
      await registerConfirmed(t.app, t.smtp, "race@example.com", "correct horse");
      await t.app.request("/auth/forgot-password", json({ email: "race@example.com" }));
      const token = tokenIn(await t.smtp.waitFor("race@example.com", /Reset/));
      const passwords = Array.from({ length: PARALLEL }, (_, i) => `new password ${i}`);
      const answers = await Promise.all(passwords.map((password) => t.app.request("/auth/reset-password", json({ token, password }))));
      assert.deepEqual(statuses(answers), [200, ...Array(PARALLEL - 1).fill(400)]);
      const winner = passwords[answers.findIndex((res) => res.status === 200)];
      const { password_hash } = await t.database.db.selectFrom("users").select("password_hash").executeTakeFirstOrThrow();
      // Compared directly: that many wrong logins would lock the account.
      for (const password of passwords) assert.equal(await bcrypt.compare(password, password_hash ?? ""), password === winner, password);
      assert.equal((await login(t.app, "race@example.com", winner ?? "")).status, 200);
      await t.app.services.mailer.idle();
      assert.equal(t.smtp.mails.filter((mail) => /password was changed/.test(mail.subject)).length, 1);
    });

    it("concurrent refreshes of one token: one new pair at most, and at most one live token left in the login", async () => {
      await registerConfirmed(t.app, t.smtp, "race@example.com", "correct horse");
      const session = await signIn(t.app, "race@example.com", "correct horse");
      const answers = await Promise.all(
        Array.from({ length: PARALLEL }, () => t.app.request("/auth/refresh", json({ refresh_token: session.refresh_token }))),
      );
      assert.deepEqual(statuses(answers), [200, ...Array(PARALLEL - 1).fill(401)]);
      for (const res of answers.filter((res) => res.status === 401)) assert.equal((await res.json()).error.code, "invalid_refresh_token");
      const live = await t.database.db
        .selectFrom("refresh_tokens")
        .select("id")
        .where("spent_at", "is", null)
        .where("revoked_at", "is", null)
        .execute();
      assert.ok(live.length <= 1, `${live.length} live refresh tokens`);
    });
  });
}
