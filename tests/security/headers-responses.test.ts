import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sql } from "kysely";
import type { TrellisApp } from "../../src/create-app.ts";
import { registerConfirmed, signIn } from "../helpers/accounts.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { serveOnPort } from "../helpers/serve-on-port.ts";
import { createShippedApp, useShippedApp } from "../helpers/shipped-app.ts";
import { bearer, json } from "../helpers/test-app.ts";

const EVIL_ORIGIN = "https://evil.example";

for (const target of databaseTargets()) {
  describe(`response headers and error bodies reveal nothing and let no other site in (${target.name})`, () => {
    const t = useShippedApp(target);
    let served: Awaited<ReturnType<typeof serveOnPort>>;
    const logs: string[] = [];
    /** The same app with its log kept, on the same database. */
    let logged: TrellisApp;

    before(async () => {
      served = await serveOnPort(t.app);
      logged = await createShippedApp(t.database, t.smtp, t.clock, logs);
    });
    after(async () => {
      await served.close();
      await logged.close();
    });

    const http = (route: string, init: RequestInit = {}) => fetch(`${served.base}${route}`, init);
    /** One answer of each kind the shipped app gives, over real HTTP. */
    async function answersOfEveryKind(): Promise<Record<string, Response>> {
      await registerConfirmed(t.app, t.smtp, "ann@example.com", "correct horse");
      const session = await signIn(t.app, "ann@example.com", "correct horse");
      const body = (value: unknown, headers: Record<string, string> = {}) => json(value, headers);
      return {
        "200 login": await http("/auth/login", body({ email: "ann@example.com", password: "correct horse" })),
        "200 me": await http("/auth/me", { headers: bearer(session.access_token) }),
        "202 register": await http("/auth/register", body({ email: "bo@example.com", password: "correct horse" })),
        "204 logout": await http("/auth/logout", body({ refresh_token: session.refresh_token })),
        "400 validation": await http("/auth/login", body({ email: 5 })),
        "400 invalid_json": await http("/auth/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{" }),
        "401": await http("/auth/me"),
        "403": await http("/admin/users", { headers: bearer(session.access_token) }),
        "404": await http("/no/such/route"),
        "405": await http("/auth/login", { method: "PATCH" }),
        "413": await http("/auth/login", body({ email: "x".repeat(2 * 1024 * 1024) })),
        "415": await http("/auth/login", { method: "POST", headers: { "Content-Type": "text/plain" }, body: "x" }),
        "HTML page": await http(`/auth/confirm?token=${"a".repeat(43)}`),
        healthz: await http("/healthz"),
        openapi: await http("/openapi.json"),
      };
    }

    it("every kind of answer carries X-Content-Type-Options: nosniff", async () => {
      for (const [what, res] of Object.entries(await answersOfEveryKind()))
        assert.equal(res.headers.get("x-content-type-options"), "nosniff", what);
    });

    it("no answer names the software behind it (no X-Powered-By, no Server version)", async () => {
      for (const [what, res] of Object.entries(await answersOfEveryKind())) {
        assert.equal(res.headers.get("x-powered-by"), null, what);
        assert.doesNotMatch(res.headers.get("server") ?? "", /\d/, what);
      }
    });

    it("answers that carry tokens (login, refresh) and the pages a token link opens are Cache-Control: no-store", async () => {
      await registerConfirmed(t.app, t.smtp, "ann@example.com", "correct horse");
      const login = await http("/auth/login", json({ email: "ann@example.com", password: "correct horse" }));
      assert.equal(login.headers.get("cache-control"), "no-store");
      const { refresh_token } = await login.json();
      const refreshed = await http("/auth/refresh", json({ refresh_token }));
      assert.equal(refreshed.status, 200);
      assert.equal(refreshed.headers.get("cache-control"), "no-store");
      for (const page of ["/auth/confirm", "/auth/reset-password"]) {
        const res = await http(`${page}?token=${"a".repeat(43)}`);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("cache-control"), "no-store", page);
        assert.equal(res.headers.get("referrer-policy"), "no-referrer", `${page}: the token in its URL is not sent on`);
        assert.match(res.headers.get("content-security-policy") ?? "", /default-src 'none'/, page);
      }
    });

    it("the pages a token link opens cannot be framed by another site (clickjacking): frame-ancestors 'none'", async () => {
      for (const page of ["/auth/confirm", "/auth/reset-password"]) {
        const res = await http(`${page}?token=${"a".repeat(43)}`);
        assert.equal(res.status, 200);
        assert.match(res.headers.get("content-security-policy") ?? "", /frame-ancestors 'none'/, page);
      }
    });

    it("a token link carrying markup (reflected XSS) is 400 JSON, and the markup is not echoed", async () => {
      const payload = encodeURIComponent('"><script>alert(document.domain)</script>');
      for (const page of ["/auth/confirm", "/auth/reset-password"]) {
        const res = await http(`${page}?token=${"a".repeat(20)}${payload}`);
        assert.equal(res.status, 400);
        assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
        const text = await res.text();
        assert.equal(JSON.parse(text).error.code, "validation_failed");
        assert.ok(!text.includes("<script>"), page);
      }
    });

    it("CORS is off by default: a foreign Origin gets no Access-Control-Allow-Origin, on a request or a preflight", async () => {
      await registerConfirmed(t.app, t.smtp, "ann@example.com", "correct horse");
      const session = await signIn(t.app, "ann@example.com", "correct horse");
      const answers = [
        await http("/auth/me", { headers: { ...bearer(session.access_token), Origin: EVIL_ORIGIN } }),
        await http("/auth/login", json({ email: "ann@example.com", password: "correct horse" }, { Origin: EVIL_ORIGIN })),
        await http("/auth/login", {
          method: "OPTIONS",
          headers: { Origin: EVIL_ORIGIN, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type" },
        }),
      ];
      for (const res of answers) {
        assert.equal(res.headers.get("access-control-allow-origin"), null);
        assert.equal(res.headers.get("access-control-allow-credentials"), null);
      }
      assert.equal(answers[2]?.status, 405, "no preflight is answered");
    });

    it("error bodies hold code and message only: no stack, no SQL, no file path, on every error kind", async () => {
      for (const [what, res] of Object.entries(await answersOfEveryKind())) {
        if (res.status < 400) continue;
        const text = await res.text();
        const { error } = JSON.parse(text);
        assert.deepEqual(
          Object.keys(error).filter((key) => !["code", "message", "details"].includes(key)),
          [],
          what,
        );
        assert.doesNotMatch(text, /\bat .*:\d+:\d+|\/work\/|node_modules|\.ts\b|select |insert |relation |syntax error/i, what);
      }
    });

    it("a failing insert (its SQL error naming a column and a table) answers 500 internal_error with only an error id; the log has the cause", async () => {
      // A trigger that fails the way a broken database does, with a message full of internals.
      await sql`create or replace function trellis_test_refuse() returns trigger language plpgsql as $$
        begin raise exception 'relation "users" column password_hash: insert into users failed at /srv/app/db.ts:12'; end $$`.execute(
        t.database.db,
      );
      await sql`create trigger trellis_test_refuse before insert on users for each row execute function trellis_test_refuse()`.execute(
        t.database.db,
      );
      try {
        const res = await logged.request("/auth/register", json({ email: "ann@example.com", password: "correct horse" }));
        assert.equal(res.status, 500);
        const text = await res.text();
        const { error } = JSON.parse(text);
        assert.equal(error.code, "internal_error");
        assert.deepEqual(Object.keys(error.details), ["error_id"]);
        assert.doesNotMatch(text, /password_hash|relation|insert|db\.ts|\/srv\//);
        const line = logs.find((logLine) => logLine.includes(error.details.error_id));
        assert.ok(line, "the log has the error id");
        assert.match(line, /password_hash/, "and the cause beside it");
        await logged.services.mailer.idle();
        assert.equal(t.smtp.mails.length, 0, "no mail went out for the failed registration");
        assert.equal((await t.database.db.selectFrom("outbox").select("id").execute()).length, 0);
      } finally {
        await sql`drop trigger trellis_test_refuse on users`.execute(t.database.db);
        await sql`drop function trellis_test_refuse()`.execute(t.database.db);
      }
    });
  });
}
