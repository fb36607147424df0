import assert from "node:assert/strict";
import { after, before, beforeEach, describe, it } from "node:test";
import type { TrellisApp } from "../../src/create-app.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { databaseTargets, resetDatabase } from "../helpers/databases.ts";
import { createNotesTable } from "../helpers/notes-table.ts";
import { bearer, createTestApp, fixture, json, tokenFor } from "../helpers/test-app.ts";

for (const target of databaseTargets()) {
  describe(`pipeline and database actions (${target.name})`, () => {
    let database: DatabaseHandle;
    let app: TrellisApp;
    const logs: string[] = [];

    before(async () => {
      database = await target.open();
      await createNotesTable(database);
      app = await createTestApp({ appDir: fixture("engine"), database, logs });
    });
    after(async () => {
      await app.close();
      await database.close();
    });
    beforeEach(async () => {
      await resetDatabase(database, ["notes"]);
      logs.length = 0;
    });

    const countNotes = async () =>
      Number(
        (
          await database.db
            .selectFrom("notes")
            .select((eb) => eb.fn.countAll().as("n"))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const admin = async () => bearer(await tokenFor(app, ["admin"]));

    it("inserts a row and returns it with its references resolved (status, header, typed body)", async () => {
      const res = await app.request("/notes", json({ title: "First", body: "text" }));
      assert.equal(res.status, 201);
      const note = await res.json();
      assert.equal(note.title, "First");
      assert.equal(typeof note.id, "number");
      assert.equal(res.headers.get("location"), `/notes/${note.id}`);
      assert.match(note.created_at, /^\d{4}-\d\d-\d\dT/);
      assert.equal(await countNotes(), 1);
    });

    it("rolls back the insert when a later step fails", async () => {
      const res = await app.request("/notes/insert-then-fail", json({ title: "Doomed" }));
      assert.equal(res.status, 409);
      assert.deepEqual(await res.json(), { error: { code: "refused", message: "Refused after the insert" } });
      assert.equal(await countNotes(), 0);
      const logRows = await database.db.selectFrom("log").selectAll().execute();
      assert.equal(logRows.length, 0, "the log row written in the same transaction is rolled back too");
    });

    it("rolls back the insert when a later step faults, answering 500 with an error id and no stack", async () => {
      const res = await app.request("/notes/insert-then-crash", json({ title: "Doomed" }));
      assert.equal(res.status, 500);
      const body = await res.json();
      assert.equal(body.error.code, "internal_error");
      assert.match(body.error.details.error_id, /^[0-9a-f-]{36}$/);
      assert.doesNotMatch(JSON.stringify(body), /no_such_table|at .*\.ts/);
      assert.equal(await countNotes(), 0);
      const logged = logs.map((line) => JSON.parse(line)).find((entry) => entry.error_id === body.error.details.error_id);
      assert.ok(logged, "the error id is logged");
      assert.match(logged.at, /insert-then-crash\.post\.yaml:7:5$/);
    });

    it("reads, filters and orders with db.select; query strings are coerced to the declared types", async () => {
      for (const title of ["a", "b", "c"]) await app.request("/notes", json({ title }));
      const all = await (await app.request("/notes")).json();
      assert.deepEqual(
        all.notes.map((n: { title: string }) => n.title),
        ["a", "b", "c"],
      );
      const two = await (await app.request("/notes?limit=2")).json();
      assert.equal(two.notes.length, 2);
      const bad = await app.request("/notes?limit=many");
      assert.equal(bad.status, 400);
      assert.ok((await bad.json()).error.details.limit);
    });

    it("finds one row by a typed path parameter and fails 404 through `when:`", async () => {
      const created = await (await app.request("/notes", json({ title: "x" }))).json();
      const found = await app.request(`/notes/${created.id}`);
      assert.equal(found.status, 200);
      assert.equal((await found.json()).title, "x");
      const missing = await app.request("/notes/999");
      assert.equal(missing.status, 404);
      assert.deepEqual(await missing.json(), { error: { code: "note_not_found", message: "No note 999" } });
      assert.equal((await app.request("/notes/abc")).status, 400);
    });

    it("prefers a static route to a parameter at the same place", async () => {
      await app.request("/notes", json({ title: "apple" }));
      await app.request("/notes", json({ title: "banana" }));
      const res = await app.request("/notes/count?prefix=a");
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { count: 1, literal: "a:b" });
    });

    it("updates and deletes with db.update and db.delete", async () => {
      const created = await (await app.request("/notes", json({ title: "old" }))).json();
      const updated = await app.request(`/notes/${created.id}`, { ...json({ title: "new" }, await admin()), method: "PUT" });
      assert.equal(updated.status, 200);
      assert.equal((await updated.json()).title, "new");
      const removed = await app.request(`/notes/${created.id}`, { method: "DELETE", headers: await admin() });
      assert.equal(removed.status, 204);
      assert.equal(await countNotes(), 0);
      const again = await app.request(`/notes/${created.id}`, { method: "DELETE", headers: await admin() });
      assert.equal(again.status, 404);
    });

    it("validates any value with the validate action", async () => {
      assert.equal((await app.request("/check-age", json({ age: 30 }))).status, 200);
      const res = await app.request("/check-age", json({ age: 12 }));
      assert.equal(res.status, 400);
      const body = await res.json();
      assert.equal(body.error.code, "validation_failed");
      assert.match(body.error.details.age, />= 18/);
    });

    it("ends early with respond, otherwise answers with response:", async () => {
      const early = await app.request("/early", json({ stop: true }));
      assert.equal(early.status, 202);
      assert.equal(early.headers.get("x-stopped"), "yes");
      assert.deepEqual(await early.json(), { stopped: true });
      const normal = await app.request("/early", json({ stop: false }));
      assert.equal(normal.status, 200);
      assert.deepEqual(await normal.json(), { stopped: false });
    });

    it("interpolates references inside text and keeps $${ literal", async () => {
      const res = await app.request("/greet?name=Ann");
      assert.equal(res.headers.get("x-greeting"), "hi Ann");
      assert.deepEqual(await res.json(), { greeting: "Hello, Ann!", literal: "${not a reference}" });
    });

    it("answers 409 naming the field when a unique value is taken, without the value", async () => {
      assert.equal((await app.request("/accounts", json({ email: "dup@example.com" }))).status, 201);
      const res = await app.request("/accounts", json({ email: "Dup@example.com" }));
      assert.equal(res.status, 409);
      const body = await res.json();
      assert.deepEqual(body, { error: { code: "conflict", message: "That email is already taken", details: { field: "email" } } });
    });

    it("never hands a password or token hash to a step, even for select *", async () => {
      const user = await database.db
        .insertInto("users")
        .values({ email: "x@example.com", password_hash: "$2b$04$secretsecretsecretsecretsecr" })
        .returning("id")
        .executeTakeFirstOrThrow();
      await database.db
        .insertInto("refresh_tokens")
        .values({ user_id: user.id, family_id: user.id, token_hash: "deadbeef", expires_at: new Date(Date.now() + 60_000) })
        .execute();
      const res = await app.request("/users-dump", { headers: await admin() });
      assert.equal(res.status, 200);
      const body = await res.json();
      assert.equal(body.selected[0].email, "x@example.com");
      assert.equal(body.queried[0].email, "x@example.com");
      assert.equal(body.tokens.length, 1);
      assert.doesNotMatch(JSON.stringify(body), /password_hash|token_hash|secretsecret|deadbeef/);
      await database.db.deleteFrom("users").execute();
    });

    it("logs an event to stdout and the log table, with secrets redacted", async () => {
      const res = await app.request(
        "/audit",
        json({ note: "hello", password: "hunter2-secret" }, bearer(await tokenFor(app, [], "00000000-0000-4000-8000-00000000000a"))),
      );
      assert.equal(res.status, 204);
      const rows = await database.db.selectFrom("log").selectAll().execute();
      assert.equal(rows.length, 1);
      assert.equal(rows[0]?.event, "audit.test");
      assert.equal(rows[0]?.user_id, "00000000-0000-4000-8000-00000000000a");
      assert.deepEqual(rows[0]?.data, { note: "hello", password: "[redacted]", nested: { api_token: "[redacted]" } });
      assert.ok(logs.some((line) => line.includes("audit.test")));
      assert.ok(!logs.some((line) => line.includes("hunter2-secret")), "the password never reaches stdout");
    });
  });
}
