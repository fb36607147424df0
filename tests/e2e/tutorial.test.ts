import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import type { TrellisApp } from "../../src/create-app.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { registerConfirmed, signIn } from "../helpers/accounts.ts";
import { REPO_ROOT } from "../helpers/cli.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { tutorialFiles } from "../helpers/readme-tutorial.ts";
import { startSmtp, type TestSmtp } from "../helpers/smtp.ts";
import { bearer, createTestApp, json } from "../helpers/test-app.ts";

describe("README's five-minute tutorial, word by word", () => {
  let database: DatabaseHandle;
  let smtp: TestSmtp;
  let app: TrellisApp;
  let appDir: string;

  before(async () => {
    // Inside the repository, so the app's actions resolve `import … from "trellis"` as in a real app.
    fs.mkdirSync(path.join(REPO_ROOT, ".data"), { recursive: true });
    appDir = fs.mkdtempSync(path.join(REPO_ROOT, ".data", "tutorial-"));
    for (const name of ["endpoints", "actions", "roles.yaml"])
      fs.cpSync(path.join(REPO_ROOT, name), path.join(appDir, name), { recursive: true });
    for (const [file, text] of tutorialFiles()) {
      fs.mkdirSync(path.dirname(path.join(appDir, file)), { recursive: true });
      fs.writeFileSync(path.join(appDir, file), text);
    }
    database = await (databaseTargets()[0] ?? assert.fail("no database")).open();
    await sql`drop table if exists notes`.execute(database.db);
    smtp = await startSmtp();
    app = await createTestApp({ appDir, database, env: { SMTP_URL: smtp.url } });
  });
  after(async () => {
    await app.close();
    await smtp.close();
    await database.close();
    fs.rmSync(appDir, { recursive: true, force: true });
  });

  it("has the files the tutorial names", () => {
    assert.deepEqual([...tutorialFiles().keys()].sort(), [
      "endpoints/notes/index.get.yaml",
      "endpoints/notes/index.post.yaml",
      "migrations/001_notes.sql",
    ]);
  });

  it("lets the admin write a note and the guest read it, and no one else", async () => {
    await registerConfirmed(app, smtp, "ada@example.com", "correct horse battery");
    await registerConfirmed(app, smtp, "admin@example.com", "a long admin password");
    // What `trellis users roles admin@example.com --add admin` does.
    const admin = await database.db.selectFrom("users").select("id").where("email", "=", "admin@example.com").executeTakeFirstOrThrow();
    await database.db.insertInto("user_roles").values({ user_id: admin.id, role: "admin" }).execute();

    const ADMIN = (await signIn(app, "admin@example.com", "a long admin password")).access_token;
    const GUEST = (await signIn(app, "ada@example.com", "correct horse battery")).access_token;

    const created = await app.request("/notes", json({ title: "First note", body: "Hello from YAML" }, bearer(ADMIN)));
    assert.equal(created.status, 201);
    const note = await created.json();
    assert.equal(created.headers.get("location"), `/notes/${note.id}`);
    assert.deepEqual([note.title, note.body, note.author_id], ["First note", "Hello from YAML", admin.id]);

    const listed = await app.request("/notes", { headers: bearer(GUEST) });
    assert.equal(listed.status, 200);
    assert.deepEqual(
      (await listed.json()).notes.map((n: { title: string }) => n.title),
      ["First note"],
    );

    const refused = await app.request("/notes", json({ title: "Mine" }, bearer(GUEST)));
    assert.deepEqual([refused.status, (await refused.json()).error.code], [403, "forbidden"]);
    const anonymous = await app.request("/notes");
    assert.deepEqual([anonymous.status, (await anonymous.json()).error.code], [401, "unauthorized"]);
  });
});
