import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { sql } from "kysely";
import { signIn } from "../helpers/accounts.ts";
import { adminSession, guestUser, PASSWORD, send } from "../helpers/admin-session.ts";
import { REPO_ROOT } from "../helpers/cli.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { type ShippedAppContext, START_OF_TESTS, useShippedApp } from "../helpers/shipped-app.ts";
import { bearer, createTestApp, tempDir, tokenFor } from "../helpers/test-app.ts";

const minutes = (n: number) => new Date(START_OF_TESTS + n * 60_000);

interface ListedUser {
  email: string;
  confirmed: boolean;
  disabled: boolean;
  roles: string[];
}

/** Users written straight to the database, created one minute apart in this order (after the admin). */
async function addUsers(t: ShippedAppContext, users: { email: string; confirmed?: boolean; disabled?: boolean; roles?: string[] }[]) {
  for (const [index, user] of users.entries()) {
    const row = await t.database.db
      .insertInto("users")
      .values({
        email: user.email,
        created_at: minutes(10 + index),
        confirmed_at: user.confirmed === false ? null : minutes(10 + index),
        disabled_at: user.disabled ? minutes(20) : null,
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    for (const role of user.roles ?? []) await t.database.db.insertInto("user_roles").values({ user_id: row.id, role }).execute();
  }
}

for (const target of databaseTargets()) {
  describe(`admin API for the admin page (${target.name})`, () => {
    const t = useShippedApp(target);

    async function listUsers(token: string, query: string): Promise<{ emails: string[]; total: number; users: ListedUser[] }> {
      const res = await send(t, "GET", `/admin/users?${query}`, token);
      assert.equal(res.status, 200, query);
      const body = (await res.json()) as { users: ListedUser[]; total: number };
      return { emails: body.users.map((user) => user.email), total: body.total, users: body.users };
    }

    it("users: email is a case-insensitive substring where % and _ are plain characters", async () => {
      const admin = await adminSession(t);
      await addUsers(t, [{ email: "a_b@x.test" }, { email: "axb@x.test" }, { email: "100%@x.test" }, { email: "1000@x.test" }]);

      assert.deepEqual((await listUsers(admin.access_token, "email=A_B")).emails, ["a_b@x.test"]);
      assert.deepEqual((await listUsers(admin.access_token, `email=${encodeURIComponent("%")}`)).emails, ["100%@x.test"]);
      assert.deepEqual((await listUsers(admin.access_token, `email=${encodeURIComponent("0%@")}`)).emails, ["100%@x.test"]);
      const xTest = await listUsers(admin.access_token, "email=X.TEST");
      assert.deepEqual(xTest.emails, ["a_b@x.test", "axb@x.test", "100%@x.test", "1000@x.test"]);
      assert.equal(xTest.total, 4);
      assert.deepEqual(await listUsers(admin.access_token, "email=nobody"), { emails: [], total: 0, users: [] });
    });

    it("users: confirmed, disabled and role filter, alone and together; every user says whether it is disabled", async () => {
      const admin = await adminSession(t, "root@example.com");
      // Oldest: the typed builder cannot set created_at, the database's own clock.
      await sql`update users set created_at = ${minutes(0)} where id = ${admin.id}`.execute(t.database.db);
      await addUsers(t, [
        { email: "new@x.test", confirmed: false },
        { email: "gone@x.test", disabled: true, roles: ["guest"] },
        { email: "boss@x.test", roles: ["admin"] },
        { email: "guest@x.test", roles: ["guest"] },
      ]);

      const all = await listUsers(admin.access_token, "");
      assert.deepEqual(all.emails, ["root@example.com", "new@x.test", "gone@x.test", "boss@x.test", "guest@x.test"]);
      assert.deepEqual(
        all.users.map((user) => [user.confirmed, user.disabled]),
        [
          [true, false],
          [false, false],
          [true, true],
          [true, false],
          [true, false],
        ],
      );
      assert.deepEqual((await listUsers(admin.access_token, "confirmed=false")).emails, ["new@x.test"]);
      assert.equal((await listUsers(admin.access_token, "confirmed=true")).total, 4);
      assert.deepEqual((await listUsers(admin.access_token, "disabled=true")).emails, ["gone@x.test"]);
      assert.equal((await listUsers(admin.access_token, "disabled=false")).total, 4);
      // Held directly: root holds admin and guest, boss only admin (which implies guest, but is not a grant of it).
      assert.deepEqual((await listUsers(admin.access_token, "role=admin")).emails, ["root@example.com", "boss@x.test"]);
      assert.deepEqual((await listUsers(admin.access_token, "role=guest")).emails, ["root@example.com", "gone@x.test", "guest@x.test"]);
      const both = await listUsers(admin.access_token, "role=guest&disabled=false&email=x.test");
      assert.deepEqual([both.emails, both.total], [["guest@x.test"], 1]);
      assert.deepEqual((await listUsers(admin.access_token, "role=nosuchrole")).total, 0);
    });

    it("users: limit and offset page the filtered list while total counts all of it", async () => {
      const admin = await adminSession(t);
      await addUsers(
        t,
        ["u1", "u2", "u3", "u4", "u5"].map((name) => ({ email: `${name}@page.test` })),
      );
      const second = await listUsers(admin.access_token, "email=page.test&limit=2&offset=2");
      assert.deepEqual([second.emails, second.total], [["u3@page.test", "u4@page.test"], 5]);
      const past = await listUsers(admin.access_token, "email=page.test&limit=2&offset=10");
      assert.deepEqual([past.emails, past.total], [[], 5]);
    });

    it("users: a bad filter is 400 validation_failed", async () => {
      const admin = await adminSession(t);
      for (const query of ["confirmed=maybe", "disabled=2", `email=${"a".repeat(255)}`, "email=", "role="]) {
        const res = await send(t, "GET", `/admin/users?${query}`, admin.access_token);
        assert.equal(res.status, 400, query);
        assert.equal((await res.json()).error.code, "validation_failed", query);
      }
    });

    async function addLog(entries: { event: string; user?: string; at: Date }[]): Promise<number[]> {
      const ids: number[] = [];
      for (const entry of entries) {
        const row = await t.database.db
          .insertInto("log")
          .values({ event: entry.event, user_id: entry.user ?? null, at: entry.at, ip: "192.0.2.1", data: JSON.stringify({}) })
          .returning("id")
          .executeTakeFirstOrThrow();
        ids.push(Number(row.id));
      }
      return ids;
    }

    async function listLog(token: string, query: string): Promise<{ id: number; event: string; user_id: string | null }[]> {
      const res = await send(t, "GET", `/admin/log?${query}`, token);
      assert.equal(res.status, 200, query);
      return (await res.json()).entries;
    }

    it("log: event, user, since and until filter; newest first", async () => {
      const admin = await adminSession(t);
      const ann = await guestUser(t, "ann@example.com");
      await t.database.db.deleteFrom("log").execute();
      const ids = await addLog([
        { event: "login", user: ann, at: minutes(100) },
        { event: "login", user: admin.id, at: minutes(110) },
        { event: "logout", user: ann, at: minutes(120) },
        { event: "login", user: ann, at: minutes(130) },
      ]);
      const idsOf = async (query: string) => (await listLog(admin.access_token, query)).map((entry) => entry.id);

      assert.deepEqual(await idsOf(""), [ids[3], ids[2], ids[1], ids[0]]);
      assert.deepEqual(await idsOf("event=login"), [ids[3], ids[1], ids[0]]);
      assert.deepEqual(await idsOf("event=log"), [], "event matches exactly");
      assert.deepEqual(await idsOf(`user=${ann}`), [ids[3], ids[2], ids[0]]);
      assert.deepEqual(await idsOf(`user=${ann}&event=login`), [ids[3], ids[0]]);
      const range = `since=${encodeURIComponent(minutes(110).toISOString())}&until=${encodeURIComponent(minutes(120).toISOString())}`;
      assert.deepEqual(await idsOf(range), [ids[2], ids[1]], "both ends included");
      assert.deepEqual(await idsOf(`since=${encodeURIComponent(minutes(121).toISOString())}`), [ids[3]]);
    });

    it("log: after gives the oldest entries past an id (a tail misses none), before pages to older ones", async () => {
      const admin = await adminSession(t);
      await t.database.db.deleteFrom("log").execute();
      const ids = await addLog([1, 2, 3, 4, 5, 6].map((n) => ({ event: `e${n}`, at: minutes(n) })));
      const idsOf = async (query: string) => (await listLog(admin.access_token, query)).map((entry) => entry.id);

      assert.deepEqual(await idsOf(`after=${ids[1]}`), [ids[5], ids[4], ids[3], ids[2]]);
      assert.deepEqual(await idsOf(`after=${ids[1]}&limit=2`), [ids[3], ids[2]], "the two right after it, newest first");
      assert.deepEqual(await idsOf(`after=${ids[5]}`), []);
      assert.deepEqual(await idsOf("limit=2"), [ids[5], ids[4]]);
      assert.deepEqual(await idsOf(`before=${ids[4]}&limit=2`), [ids[3], ids[2]]);
      assert.deepEqual(await idsOf(`after=${ids[0]}&before=${ids[3]}`), [ids[2], ids[1]]);
    });

    it("log: a bad filter is 400 validation_failed", async () => {
      const admin = await adminSession(t);
      for (const query of ["user=not-a-uuid", "since=yesterday", "until=2026-13-01T00:00:00Z", "after=-1", "before=x", "event="]) {
        const res = await send(t, "GET", `/admin/log?${query}`, admin.access_token);
        assert.equal(res.status, 400, query);
        assert.equal((await res.json()).error.code, "validation_failed", query);
      }
    });

    it("roles: roles.yaml's roles with implies, implied_by and direct holders, then the built-in ones", async () => {
      const admin = await adminSession(t);
      await guestUser(t, "ann@example.com");
      await addUsers(t, [{ email: "boss@x.test", roles: ["admin"] }]);
      const res = await send(t, "GET", "/admin/roles", admin.access_token);
      assert.equal(res.status, 200);
      assert.deepEqual((await res.json()).roles, [
        {
          name: "guest",
          description: "A user who has confirmed their email address",
          implies: [],
          implied_by: ["admin"],
          holders: 2,
          builtin: false,
        },
        { name: "admin", description: "Manages users and roles", implies: ["guest"], implied_by: [], holders: 2, builtin: false },
        { name: "authenticated", description: "Anyone signed in", implies: [], implied_by: [], holders: 0, builtin: true },
        { name: "public", description: "Anyone, signed in or not", implies: [], implied_by: [], holders: 0, builtin: true },
      ]);
    });

    it("endpoints: every endpoint by path then method, with allow, summary and the file and line of its allow:", async () => {
      const admin = await adminSession(t);
      const res = await send(t, "GET", "/admin/endpoints", admin.access_token);
      assert.equal(res.status, 200);
      const { endpoints } = (await res.json()) as {
        endpoints: { method: string; path: string; allow: unknown; summary: string | null; file: string; line: number }[];
      };
      assert.equal(endpoints.length, t.app.loaded.endpoints.length);
      const keys = endpoints.map((endpoint) => `${endpoint.path} ${endpoint.method}`);
      assert.deepEqual(keys, [...keys].sort());

      const self = endpoints.find((endpoint) => endpoint.path === "/admin/endpoints");
      assert.deepEqual(self, {
        method: "GET",
        path: "/admin/endpoints",
        allow: ["admin"],
        summary: "The endpoint map",
        file: "endpoints/admin/endpoints.get.yaml",
        line: 7,
      });
      assert.deepEqual(
        endpoints.filter((endpoint) => endpoint.path === "/auth/login").map((endpoint) => [endpoint.method, endpoint.allow]),
        [["POST", "public"]],
      );
      assert.ok(endpoints.some((endpoint) => endpoint.path === "/admin/users/{id}/roles/{role}" && endpoint.method === "PUT"));
      for (const endpoint of endpoints) {
        const lines = fs.readFileSync(path.join(REPO_ROOT, endpoint.file), "utf8").split("\n");
        assert.match(lines[endpoint.line - 1] ?? "", /^allow:/, `${endpoint.file}:${endpoint.line}`);
      }
    });

    it("roles and endpoints describe the app as loaded now: after a reload, the new roles.yaml and table, with the prefix", async () => {
      const dir = tempDir("trellis-admin-api-");
      const write = (file: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
      };
      write("trellis.yaml", "prefix: /api\n");
      write("roles.yaml", "admin: {}\n");
      write("endpoints/map.get.yaml", 'allow: [admin]\nsteps:\n  - list-endpoints: {}\n    as: e\nresponse:\n  body: "${e}"\n');
      write("endpoints/roles.get.yaml", 'allow: [admin]\nsteps:\n  - list-roles: {}\n    as: r\nresponse:\n  body: "${r}"\n');
      const app = await createTestApp({ appDir: dir, database: t.database });
      try {
        const token = await tokenFor(app, ["admin"]);
        const read = async (route: string) => {
          const res = await app.request(route, { headers: bearer(token) });
          assert.equal(res.status, 200, route);
          return res.json();
        };
        const names = (roles: { name: string }[]) => roles.map((role) => role.name);
        assert.deepEqual(names(await read("/api/roles")), ["admin", "authenticated", "public"]);
        assert.deepEqual(
          (await read("/api/map")).map((e: { method: string; path: string }) => `${e.method} ${e.path}`),
          ["GET /api/map", "GET /api/roles"],
        );

        write("roles.yaml", "admin: { implies: [editor] }\neditor: { description: Edits }\n");
        write("endpoints/notes/[id].put.yaml", "summary: Edit a note\n\nallow: [editor]\nresponse:\n  status: 204\n");
        const reloaded = await app.reload();
        assert.deepEqual(reloaded.issues, []);
        const roles = await read("/api/roles");
        assert.deepEqual(names(roles), ["admin", "editor", "authenticated", "public"]);
        assert.deepEqual(roles[1], {
          name: "editor",
          description: "Edits",
          implies: [],
          implied_by: ["admin"],
          holders: 0,
          builtin: false,
        });
        const map = await read("/api/map");
        assert.equal(map.length, 3);
        assert.deepEqual(map[1], {
          method: "PUT",
          path: "/api/notes/{id}",
          allow: ["editor"],
          summary: "Edit a note",
          file: "endpoints/notes/[id].put.yaml",
          line: 3,
        });
      } finally {
        await app.close();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });

    it("each admin endpoint the page reads: a guest's token is 403 forbidden, no token 401", async () => {
      await guestUser(t, "ann@example.com");
      const guest = await signIn(t.app, "ann@example.com", PASSWORD);
      for (const route of ["/admin/users?email=ann", "/admin/log?event=login", "/admin/roles", "/admin/endpoints"]) {
        const forbidden = await send(t, "GET", route, guest.access_token);
        assert.equal(forbidden.status, 403, route);
        assert.equal((await forbidden.json()).error.code, "forbidden", route);
        const anonymous = await t.app.request(route);
        assert.equal(anonymous.status, 401, route);
        assert.equal((await anonymous.json()).error.code, "unauthorized", route);
      }
    });
  });
}
