import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import { createDatabase, type DatabaseHandle } from "../../src/db/create-database.ts";
import { migrate } from "../../src/db/migrate.ts";
import { claimsOf } from "../helpers/accounts.ts";
import { runTrellis } from "../helpers/cli.ts";
import { resetDatabase } from "../helpers/databases.ts";
import { copyShippedApp, eventually, type Instance, startInstance, stopInstance } from "../helpers/instances.ts";
import { type ReceivedMail, startSmtp, type TestSmtp, tokenIn } from "../helpers/smtp.ts";
import { TEST_JWT_SECRET, tempDir } from "../helpers/test-app.ts";

const DATABASE_URL = process.env.TEST_DATABASE_URL;
const PASSWORD = "correct horse battery";
const DOMAIN = "instances.test";

/** Only for `guest` (and the roles that imply it): shows what each instance's roles.yaml makes of a role. */
const GUEST_AREA = `summary: A page for guests
allow: [guest]
response:
  body: { ok: true, sub: "\${auth.sub}" }
`;

/**
 * Two real `trellis` processes on one PostgreSQL database, as docs/deployment.md
 * ("Several instances") describes them: the same database and JWT_SECRET, each
 * its own DATA_DIR, both mailing to one SMTP server in this process.
 */
describe("several instances on one PostgreSQL", { skip: DATABASE_URL ? false : "needs TEST_DATABASE_URL (PostgreSQL)" }, () => {
  let database: DatabaseHandle;
  /** The SMTP server of the moment (test 4 stops it and starts another on its port), and every one so far. */
  let smtp: TestSmtp;
  const smtps: TestSmtp[] = [];
  const received = (): ReceivedMail[] => smtps.flatMap((server) => server.mails);
  let appA: string;
  let appB: string;
  let env: Record<string, string>;
  let a: Instance;
  let b: Instance;
  const instances = new Set<Instance>();

  const launch = async (name: string, command: "start" | "dev", appDir: string): Promise<Instance> => {
    const instance = await startInstance(name, command, appDir, env);
    instances.add(instance);
    return instance;
  };

  before(async () => {
    database = createDatabase({ url: DATABASE_URL });
    await migrate(database.db);
    await resetDatabase(database);
    // syncRoles only ever adds rows: a role left over from an earlier run would hide what A's reload adds.
    await database.db.deleteFrom("roles").where("name", "=", "editor").execute();
    smtp = await startSmtp();
    smtps.push(smtp);
    appA = copyShippedApp();
    appB = copyShippedApp();
    for (const dir of [appA, appB]) fs.writeFileSync(path.join(dir, "endpoints", "guest-area.get.yaml"), GUEST_AREA);
    env = {
      DATABASE_URL: DATABASE_URL ?? "",
      JWT_SECRET: TEST_JWT_SECRET,
      BCRYPT_COST: "4",
      // Bursts here put up to 10 bcrypt tasks on one instance at once; the default queue (4 × (cores − 1)) answers
      // the excess 503 busy by design (docs/configuration.md), which is not what these tests look at.
      BCRYPT_QUEUE: "64",
      SMTP_URL: smtp.url,
      PUBLIC_URL: "http://trellis.test",
    };
    // Started together: migrations run under a lock, so instances may start at the same time.
    [a, b] = await Promise.all([launch("A", "start", appA), launch("B", "start", appB)]);
  });

  after(async () => {
    const running = [...instances];
    const codes = await Promise.all(running.map((instance) => stopInstance(instance)));
    if (process.env.TEST_LOGS) for (const instance of running) process.stderr.write(`── ${instance.name}\n${instance.server.output()}\n`);
    for (const server of smtps) await server.close();
    if (database) {
      // The next test file finds the tables as it would without this one.
      await resetDatabase(database);
      await database.db.deleteFrom("roles").where("name", "=", "editor").execute();
      await database.close();
    }
    for (const dir of [appA, appB]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
    assert.deepEqual(codes, Array(running.length).fill(0), "every instance stops cleanly on SIGTERM");
  });

  const userId = async (email: string): Promise<string> =>
    (await database.db.selectFrom("users").select("id").where("email", "=", email).executeTakeFirstOrThrow()).id;
  const rolesOf = async (email: string): Promise<string[]> =>
    (
      await database.db
        .selectFrom("user_roles")
        .innerJoin("users", "users.id", "user_roles.user_id")
        .select("role")
        .where("users.email", "=", email)
        .orderBy("role")
        .execute()
    ).map((row) => row.role);
  const outboxTo = (addresses: readonly string[]) =>
    database.db.selectFrom("outbox").selectAll().where("to", "in", addresses).orderBy("id").execute();

  /** Registers through `via` and confirms with the link of the mail that arrives. */
  async function registerConfirmed(via: Instance, email: string): Promise<void> {
    const registered = await via.post("/auth/register", { email, password: PASSWORD });
    assert.equal(registered.status, 202);
    const mail = await smtp.waitFor(email, /Confirm your address/);
    const confirmed = await via.post("/auth/confirm", { token: tokenIn(mail) });
    assert.equal(confirmed.status, 200, await confirmed.clone().text());
  }

  async function signIn(via: Instance, email: string, password = PASSWORD): Promise<{ access_token: string; refresh_token: string }> {
    const res = await via.post("/auth/login", { email, password });
    assert.equal(res.status, 200, `${via.name}: ${await res.clone().text()}`);
    return res.json();
  }

  it("a user registered and confirmed on A signs in on B; each instance accepts the other's access tokens", async () => {
    const email = `ann@${DOMAIN}`;
    await registerConfirmed(a, email);
    assert.deepEqual(await rolesOf(email), ["guest"]);

    const onB = await signIn(b, email);
    const onA = await signIn(a, email);
    const id = await userId(email);
    for (const [token, server] of [
      [onA.access_token, b],
      [onB.access_token, a],
      [onA.access_token, a],
      [onB.access_token, b],
    ] as const) {
      const me = await server.get("/auth/me", token);
      assert.equal(me.status, 200, `${server.name}: ${await me.clone().text()}`);
      const body = await me.json();
      assert.deepEqual([body.id, body.email, body.roles, body.confirmed], [id, email, ["guest"], true]);
    }
    assert.deepEqual(claimsOf(onA.access_token).roles, ["guest"]);
    assert.equal(claimsOf(onB.access_token).sub, id);

    // A login begun on B goes on on A: the refresh token is a row both read.
    const rotated = await a.post("/auth/refresh", { refresh_token: onB.refresh_token });
    assert.equal(rotated.status, 200);
    assert.equal((await b.get("/auth/me", (await rotated.json()).access_token)).status, 200);
    const logins = await database.db.selectFrom("log").select("event").where("user_id", "=", id).where("event", "=", "login").execute();
    assert.equal(logins.length, 2);
  });

  it("eight concurrent refreshes of one token over A and B: one 200, seven 401, and the whole login is revoked", async () => {
    const email = `bo@${DOMAIN}`;
    await registerConfirmed(b, email);
    const session = await signIn(a, email);
    const family = claimsOf(session.access_token).sid as string;
    const id = await userId(email);

    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? a : b).post("/auth/refresh", { refresh_token: session.refresh_token })),
    );
    const bodies = await Promise.all(results.map((res) => res.json()));
    const statuses = results.map((res) => res.status);
    assert.equal(statuses.filter((status) => status === 200).length, 1, `statuses ${statuses}`);
    assert.equal(statuses.filter((status) => status === 401).length, 7, `statuses ${statuses}`);
    for (const [i, body] of bodies.entries()) {
      if (statuses[i] === 401) assert.equal(body.error.code, "invalid_refresh_token");
    }
    const winner = bodies[statuses.indexOf(200)];
    assert.match(winner.refresh_token, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(claimsOf(winner.access_token).sid, family, "the winner's pair continues the same login");

    // The losers presented a token that was spent by then: reuse, so the login ends on every instance,
    // the winner's new refresh token included (docs/shipped-endpoints.md, POST /auth/refresh).
    for (const server of [a, b]) {
      const again = await server.post("/auth/refresh", { refresh_token: winner.refresh_token });
      assert.equal(again.status, 401, server.name);
      assert.equal((await again.json()).error.code, "invalid_refresh_token");
    }
    const tokens = await database.db
      .selectFrom("refresh_tokens")
      .select(["spent_at", "revoked_at"])
      .where("family_id", "=", family)
      .orderBy("created_at")
      .execute();
    assert.equal(tokens.length, 2, "the login's first token and the one the winner got");
    assert.ok(
      tokens.every((token) => token.revoked_at !== null),
      "every token of the login is revoked",
    );
    assert.equal(tokens.filter((token) => token.spent_at !== null).length, 1, "only the first token was ever spent");
    const events = await database.db.selectFrom("log").select("event").where("user_id", "=", id).execute();
    assert.equal(events.filter((row) => row.event === "refresh").length, 1);
    assert.ok(events.filter((row) => row.event === "refresh.reuse").length >= 1, "the reuse is logged");
    // Another login of the same user is untouched.
    const other = await signIn(b, email);
    assert.equal((await a.post("/auth/refresh", { refresh_token: other.refresh_token })).status, 200);
  });

  it("failed logins alternating A and B lock the address out after 5, as on one instance; forgot-password's cap counts mail on both", async () => {
    const email = `cy@${DOMAIN}`;
    await registerConfirmed(a, email);
    // endpoints/auth/login.post.yaml uses authenticate's defaults: 5 failures per address and IP in 15 minutes.
    for (let i = 0; i < 5; i++) {
      const via = i % 2 === 0 ? a : b;
      const res = await via.post("/auth/login", { email, password: `wrong horse ${i}` });
      assert.equal(res.status, 401, `failure ${i + 1} on ${via.name}`);
      assert.equal((await res.json()).error.code, "invalid_credentials");
    }
    for (const via of [b, a]) {
      const locked = await via.post("/auth/login", { email, password: PASSWORD });
      assert.equal(locked.status, 429, `${via.name} refuses even the right password`);
      const retryAfter = Number(locked.headers.get("retry-after"));
      assert.ok(retryAfter > 0 && retryAfter <= 900, `Retry-After ${retryAfter} on ${via.name}`);
      assert.equal((await locked.json()).error.code, "too_many_requests");
    }
    const hits = await database.db.selectFrom("rate_limit_hits").select("key").where("key", "like", `login:${email}:%`).execute();
    assert.deepEqual(
      hits.map((hit) => hit.key),
      Array(5).fill(`login:${email}:127.0.0.1`),
      "one shared count, the refused attempts not counted",
    );
    const failed = await database.db.selectFrom("log").select("event").where("event", "=", "login.failed").execute();
    assert.equal(failed.length, 5);

    // A burst at once, half on each: the count is taken under a lock in the database, so none slips past.
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? a : b).post("/auth/login", { email: `burst@${DOMAIN}`, password: `wrong ${i}` })),
    );
    const statuses = burst.map((res) => res.status);
    assert.equal(statuses.filter((status) => status === 401).length, 5, `statuses ${statuses}`);
    assert.equal(statuses.filter((status) => status === 429).length, 7, `statuses ${statuses}`);

    // endpoints/auth/forgot-password.post.yaml: 5 reset mails per account per hour; past that the same 202 and no mail.
    for (let i = 0; i < 5; i++) assert.equal((await (i % 2 === 0 ? b : a).post("/auth/forgot-password", { email })).status, 202);
    for (const via of [a, b]) assert.equal((await via.post("/auth/forgot-password", { email })).status, 202, via.name);
    const queued = (await outboxTo([email])).filter((row) => row.subject === "Reset your password");
    assert.equal(queued.length, 5, "the capped requests queued no mail");
    await eventually("the 5 reset mails", async () => (await outboxTo([email])).every((row) => row.sent_at !== null));
    const resets = received().filter((mail) => mail.to === email && mail.subject === "Reset your password");
    assert.equal(resets.length, 5);
    // Each request replaced the earlier link: only the last mail's token is still live.
    const live = await database.db
      .selectFrom("one_time_tokens")
      .select("id")
      .where("purpose", "=", "reset-password")
      .where("user_id", "=", await userId(email))
      .where("consumed_at", "is", null)
      .where("expires_at", ">", new Date())
      .execute();
    assert.equal(live.length, 1);
  });

  it("delivers each outbox mail exactly once, also when both instances retry after the mail server was down", async () => {
    const addresses = Array.from({ length: 20 }, (_, i) => `reg${String(i).padStart(2, "0")}@${DOMAIN}`);
    const answers = await Promise.all(
      addresses.map((email, i) => (i % 2 === 0 ? a : b).post("/auth/register", { email, password: PASSWORD })),
    );
    assert.deepEqual(
      answers.map((res) => res.status),
      Array(20).fill(202),
    );
    await eventually("20 delivered outbox rows", async () => {
      const rows = await outboxTo(addresses);
      return rows.length === 20 && rows.every((row) => row.sent_at !== null);
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const confirmations = received().filter((mail) => addresses.includes(mail.to));
    assert.deepEqual(confirmations.map((mail) => mail.to).sort(), addresses, "one mail per address, none twice");
    assert.ok(confirmations.every((mail) => mail.subject === "Confirm your address"));
    const rows = await outboxTo(addresses);
    assert.deepEqual(
      rows.map((row) => [row.attempts, row.last_error, row.text]),
      Array(20).fill([1, null, ""]),
      "each row was claimed once, and its links were cleared once sent",
    );

    // The mail server goes down; both instances try, fail and retry later; it comes back on the same port.
    const port = smtp.port;
    await smtp.close();
    const later = Array.from({ length: 6 }, (_, i) => `late${i}@${DOMAIN}`);
    const lateAnswers = await Promise.all(
      later.map((email, i) => (i % 2 === 0 ? a : b).post("/auth/register", { email, password: PASSWORD })),
    );
    assert.deepEqual(
      lateAnswers.map((res) => res.status),
      Array(6).fill(202),
    );
    await eventually("a failed first attempt at each late mail", async () => {
      const pending = await outboxTo(later);
      return pending.length === 6 && pending.every((row) => row.attempts === 1 && row.last_error !== null && row.sent_at === null);
    });
    smtp = await startSmtp(port);
    smtps.push(smtp);
    // The first retry is due 10 s after the failure (src/mail/mailer.ts backoffSeconds); each instance looks every 5 s.
    await eventually(
      "the late mails delivered",
      async () => {
        const pending = await outboxTo(later);
        return pending.every((row) => row.sent_at !== null);
      },
      30_000,
      200,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(smtp.mails.map((mail) => mail.to).sort(), later, "every late mail arrived once");
    const delivered = await outboxTo(later);
    assert.deepEqual(
      delivered.map((row) => [row.attempts, row.last_error]),
      Array(6).fill([2, null]),
      "one failed attempt, one delivery",
    );
    assert.equal(received().filter((mail) => addresses.includes(mail.to)).length, 20, "nothing earlier went out again");
  });

  it("reloading roles on A (trellis dev) leaves B serving, and B carries the role it does not know without honouring it", async () => {
    // A becomes a `trellis dev`, which reloads roles.yaml on save.
    assert.equal(await stopInstance(a), 0);
    instances.delete(a);
    a = await launch("A", "dev", appA);

    const root = `root@${DOMAIN}`;
    const add = runTrellis(
      ["users", "add", root, "--password", PASSWORD, "--role", "admin"],
      { DATABASE_URL: DATABASE_URL ?? "", APP_DIR: appA, DATA_DIR: tempDir(), BCRYPT_COST: "4" },
      { cwd: appA },
    );
    assert.equal(await add.exited, 0, add.output());
    assert.match(add.output(), new RegExp(`created ${root}`));
    const ed = `ed@${DOMAIN}`;
    await registerConfirmed(b, ed);
    const edId = await userId(ed);

    fs.appendFileSync(path.join(appA, "roles.yaml"), "editor:\n  description: Edits content\n  implies: [guest]\n");
    await a.server.waitFor(/reloaded \d+ route\(s\)/, 10_000);
    const editorRow = await database.db.selectFrom("roles").selectAll().where("name", "=", "editor").executeTakeFirst();
    assert.deepEqual(editorRow, { name: "editor", description: "Edits content" }, "A's reload mirrored the new role into the roles table");

    const adminOnA = await signIn(a, root);
    const granted = await a.send("PUT", `/admin/users/${edId}/roles/editor`, adminOnA.access_token);
    assert.equal(granted.status, 204, await granted.clone().text());
    assert.deepEqual(await rolesOf(ed), ["editor", "guest"]);

    // B's roles.yaml has no editor: it will not grant it…
    const adminOnB = await signIn(b, root);
    const refused = await b.send("PUT", `/admin/users/${edId}/roles/editor`, adminOnB.access_token);
    assert.equal(refused.status, 400);
    assert.equal((await refused.json()).error.code, "unknown_role");

    // …but keeps serving, and carries the stored grant as it is: into tokens, /auth/me and the admin list.
    assert.equal((await b.get("/healthz")).status, 200);
    const edOnB = await signIn(b, ed);
    assert.deepEqual(claimsOf(edOnB.access_token).roles, ["editor", "guest"]);
    const me = await b.get("/auth/me", edOnB.access_token);
    assert.equal(me.status, 200);
    assert.deepEqual((await me.json()).roles, ["editor", "guest"]);
    const list = await b.get("/admin/users", adminOnB.access_token);
    assert.equal(list.status, 200);
    const users = await list.json();
    assert.deepEqual(users.users.find((user: { email: string }) => user.email === ed)?.roles, ["editor", "guest"]);
    assert.equal(users.total, Number((await sql<{ n: number }>`select count(*)::int as n from users`.execute(database.db)).rows[0]?.n));
    assert.equal((await b.get("/guest-area", edOnB.access_token)).status, 200, "through guest, which B knows");

    // With editor alone, the difference shows: on A editor implies guest; on B it is a name that grants nothing.
    assert.equal((await a.send("DELETE", `/admin/users/${edId}/roles/guest`, adminOnA.access_token)).status, 204);
    const editorOnly = await signIn(b, ed);
    assert.deepEqual(claimsOf(editorOnly.access_token).roles, ["editor"]);
    const onA = await a.get("/guest-area", editorOnly.access_token);
    assert.equal(onA.status, 200, "A: editor implies guest");
    assert.deepEqual(await onA.json(), { ok: true, sub: edId });
    const onB = await b.get("/guest-area", editorOnly.access_token);
    assert.equal(onB.status, 403, "B: an unknown role implies nothing");
    assert.equal((await onB.json()).error.code, "forbidden");
    assert.equal((await b.get("/auth/me", editorOnly.access_token)).status, 200, "a signed-in user all the same");

    // B can take the role away although it does not know it (revoke-role takes away roles gone from roles.yaml).
    assert.equal((await b.send("DELETE", `/admin/users/${edId}/roles/editor`, adminOnB.access_token)).status, 204);
    assert.deepEqual(await rolesOf(ed), []);
    assert.equal((await a.get("/admin/users", adminOnA.access_token)).status, 200, "A still serves after all this");
  });
});
