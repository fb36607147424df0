import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { registerConfirmed, signIn } from "../helpers/accounts.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { rawRequest } from "../helpers/raw-http.ts";
import { serveOnPort } from "../helpers/serve-on-port.ts";
import { useShippedApp } from "../helpers/shipped-app.ts";
import { bearer, json } from "../helpers/test-app.ts";

const BODY_LIMIT = 1024 * 1024;
const GOOD = { email: "ann@example.com", password: "correct horse" };

const post = (body: string, contentType: string | undefined = "application/json"): RequestInit => ({
  method: "POST",
  headers: contentType ? { "Content-Type": contentType } : {},
  body,
});

for (const target of databaseTargets()) {
  describe(`hostile request bodies are a clear 4xx and change nothing (${target.name})`, () => {
    const t = useShippedApp(target);
    let served: Awaited<ReturnType<typeof serveOnPort>>;

    before(async () => {
      served = await serveOnPort(t.app);
    });
    after(() => served.close());

    const register = (init: RequestInit) => t.app.request("/auth/register", init);
    async function assertError(res: Response, status: number, code: string): Promise<Record<string, string>> {
      assert.equal(res.status, status);
      assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
      const { error } = await res.json();
      assert.equal(error.code, code);
      return error.details ?? {};
    }
    /** Nothing of the request was kept: no user, no mail queued or sent, no log entry. */
    async function assertNothingStored() {
      assert.equal((await t.database.db.selectFrom("users").select("id").execute()).length, 0, "no user");
      assert.equal((await t.database.db.selectFrom("outbox").select("id").execute()).length, 0, "no mail queued");
      assert.equal((await t.database.db.selectFrom("log").select("id").execute()).length, 0, "no log entry");
      await t.app.services.mailer.idle();
      assert.equal(t.smtp.mails.length, 0, "no mail sent");
    }

    it("a NUL character in the email, password or name is 400 naming the field (not a 500 from the database)", async () => {
      for (const [field, value] of [
        ["email", "ann\u0000@example.com"],
        ["password", "correct\u0000horse"],
        ["name", "Ann\u0000"],
      ] as const) {
        const details = await assertError(await register(json({ ...GOOD, [field]: value })), 400, "validation_failed");
        assert.ok(details[field], `${field}: ${JSON.stringify(details)}`);
      }
      await assertNothingStored();
    });

    it("a NUL character in a login is 400 and counts no failed attempt", async () => {
      for (const body of [
        { ...GOOD, email: "ann\u0000@example.com" },
        { ...GOOD, password: "correct horse\u0000" },
      ]) {
        await assertError(await t.app.request("/auth/login", json(body)), 400, "validation_failed");
      }
      assert.equal((await t.database.db.selectFrom("rate_limit_hits").select("key").execute()).length, 0);
      await assertNothingStored();
    });

    it("CR LF in the email (a mail header injection, Bcc: attacker) is 400 and no mail goes anywhere", async () => {
      for (const email of [
        "ann@example.com\r\nBcc: mallory@example.com",
        "ann@example.com\nBcc: mallory@example.com",
        "ann@example.com, mallory@example.com",
      ]) {
        const details = await assertError(await register(json({ ...GOOD, email })), 400, "validation_failed");
        assert.ok(details.email);
        await assertError(await t.app.request("/auth/forgot-password", json({ email })), 400, "validation_failed");
      }
      await assertNothingStored();
    });

    it("control characters in a name (ESC, BEL, CR LF) are kept as data and come back JSON-escaped", async () => {
      const name = "\u001b[31mAnn\u0007\r\nX-Injected: 1";
      await registerConfirmed(t.app, t.smtp, GOOD.email, GOOD.password);
      await t.database.db.updateTable("users").set({ name }).execute();
      const session = await signIn(t.app, GOOD.email, GOOD.password);
      const res = await t.app.request("/auth/me", { headers: bearer(session.access_token) });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("x-injected"), null);
      const text = await res.text();
      assert.ok(![...text].some((char) => char.charCodeAt(0) < 0x20), "no raw control character in the answer");
      assert.equal(JSON.parse(text).name, name);
    });

    it("JSON nested 10,000 deep is 400 validation_failed, whether in a declared field or an unknown one", async () => {
      const deep = `${"[".repeat(10_000)}1${"]".repeat(10_000)}`;
      const inField = await assertError(await register(post(`{"email":${deep},"password":"correct horse"}`)), 400, "validation_failed");
      assert.ok(inField.email);
      const objects = `${'{"a":'.repeat(10_000)}1${"}".repeat(10_000)}`;
      const unknown = await assertError(
        await register(post(`{"email":"ann@example.com","password":"correct horse","extra":${objects}}`)),
        400,
        "validation_failed",
      );
      assert.ok(unknown.extra);
      await assertNothingStored();
    });

    it("a body over BODY_LIMIT with its Content-Length is 413 payload_too_large", async () => {
      const res = await register(json({ ...GOOD, name: "x".repeat(BODY_LIMIT) }));
      const details = await assertError(res, 413, "payload_too_large");
      assert.equal(details.limit_bytes, BODY_LIMIT as never);
      await assertNothingStored();
    });

    it("a body over BODY_LIMIT sent chunked, without Content-Length, over a real socket is 413 too", async () => {
      const chunk = "x".repeat(64 * 1024);
      const chunks = [
        "POST /auth/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        `${Buffer.byteLength('{"name":"').toString(16)}\r\n{"name":"\r\n`,
        ...Array.from({ length: 20 }, () => `${chunk.length.toString(16)}\r\n${chunk}\r\n`),
        '2\r\n"}\r\n0\r\n\r\n',
      ];
      const started = performance.now();
      const res = await rawRequest(served.base, chunks);
      assert.equal(res.status, 413);
      assert.equal(JSON.parse(res.body).error.code, "payload_too_large");
      assert.ok(performance.now() - started < 5000, "answered without hanging");
      await assertNothingStored();
    });

    it("__proto__ and constructor.prototype keys are 400 naming them, and pollute no prototype", async () => {
      const body = `{"email":"ann@example.com","password":"correct horse","__proto__":{"polluted":"yes","isAdmin":true},"constructor":{"prototype":{"polluted":"yes"}}}`;
      const details = await assertError(await register(post(body)), 400, "validation_failed");
      assert.deepEqual(Object.keys(details).sort(), ["__proto__", "constructor"]);
      const nested = await assertError(
        await register(post(`{"email":"ann@example.com","password":{"__proto__":{"polluted":"yes"}}}`)),
        400,
        "validation_failed",
      );
      assert.ok(nested.password);
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
      await assertNothingStored();
    });

    it("no type coercion: an array, a number, true or null where a string belongs is 400 naming the field", async () => {
      const cases: [string, unknown][] = [
        ["email", ["ann@example.com"]],
        ["email", true],
        ["password", 12345678],
        ["password", null],
        ["name", 5],
        ["email", { $ne: "" }],
      ];
      for (const [field, value] of cases) {
        const details = await assertError(await register(json({ ...GOOD, [field]: value })), 400, "validation_failed");
        assert.ok(details[field], `${field} = ${JSON.stringify(value)}: ${JSON.stringify(details)}`);
      }
      await assertNothingStored();
    });

    it("a body that is not JSON by its Content-Type (text/plain, a form, multipart, application/jsonx) is 415", async () => {
      const body = JSON.stringify(GOOD);
      for (const type of [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/jsonx",
        "text/json",
      ]) {
        await assertError(await register(post(body, type)), 415, "unsupported_media_type");
      }
      await assertNothingStored();
    });

    it("a JSON body with no Content-Type at all, over a real socket, is 415", async () => {
      const body = JSON.stringify(GOOD);
      const res = await rawRequest(served.base, [
        `POST /auth/register HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      ]);
      assert.equal(res.status, 415);
      assert.equal(JSON.parse(res.body).error.code, "unsupported_media_type");
      await assertNothingStored();
    });

    it("text that is not JSON (truncated, single quotes, a trailing comma, NaN, a comment) is 400 invalid_json", async () => {
      for (const body of [
        '{"email": "ann@example.com"',
        "{'email': 'ann@example.com'}",
        '{"email":"ann@example.com",}',
        '{"password":NaN}',
        '{"email":"ann@example.com"} // admin',
      ]) {
        await assertError(await register(post(body)), 400, "invalid_json");
      }
      await assertNothingStored();
    });

    it("duplicate keys: the last one counts for the check and for the steps alike (one user, one mail, that address)", async () => {
      const body = '{"email":"victim@example.com","password":"correct horse","email":"mallory@example.com"}';
      assert.equal((await register(post(body))).status, 202);
      const users = await t.database.db.selectFrom("users").select("email").execute();
      assert.deepEqual(users, [{ email: "mallory@example.com" }]);
      await t.smtp.waitFor("mallory@example.com", /Confirm/);
      await t.app.services.mailer.idle();
      assert.deepEqual(
        t.smtp.mails.map((mail) => mail.to),
        ["mallory@example.com"],
      );
    });
  });
}
