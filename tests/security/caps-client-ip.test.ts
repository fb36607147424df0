import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, before, beforeEach, describe, it } from "node:test";
import { parse } from "yaml";
import type { TrellisApp } from "../../src/create-app.ts";
import type { DatabaseHandle } from "../../src/db/create-database.ts";
import { registerConfirmed } from "../helpers/accounts.ts";
import { REPO_ROOT } from "../helpers/cli.ts";
import { databaseTargets, resetDatabase } from "../helpers/databases.ts";
import { type ServedApp, serveOnPort } from "../helpers/serve-on-port.ts";
import { PUBLIC_URL, START_OF_TESTS } from "../helpers/shipped-app.ts";
import { startSmtp, type TestSmtp } from "../helpers/smtp.ts";
import { createTestApp, json } from "../helpers/test-app.ts";

/** A real server and a JSON POST to it: the request comes over a socket, with a client address. */
interface Served {
  post(route: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

async function serveForPosts(app: TrellisApp): Promise<Served> {
  const server: ServedApp = await serveOnPort(app);
  return {
    post: (route, body, headers = {}) =>
      fetch(`${server.base}${route}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", ...headers },
        body: JSON.stringify(body),
      }),
    close: () => server.close(),
  };
}

interface IpCap {
  readonly route: string;
  /** The key prefix, as the endpoint's rate-limit step writes it before `${request.ip}`. */
  readonly prefix: string;
  readonly limit: number;
  readonly body: (i: number) => Record<string, unknown>;
}

/** The per-client cap of a shipped endpoint, read from its YAML so the test follows the file's limit. */
function ipCap(file: string, route: string, body: IpCap["body"]): IpCap {
  const endpoint = parse(fs.readFileSync(path.join(REPO_ROOT, "endpoints/auth", file), "utf8"));
  const step = endpoint.steps
    .map((s: Record<string, { key?: string; limit?: number }>) => s["rate-limit"])
    .find((options: { key?: string } | undefined) => options?.key?.endsWith(":${request.ip}"));
  assert.ok(step, `${file} has a rate-limit step keyed by \${request.ip}`);
  return { route, prefix: step.key.replace("${request.ip}", ""), limit: step.limit, body };
}

const CAPS = [
  ipCap("register.post.yaml", "/auth/register", (i) => ({ email: `flood${i}@example.com`, password: "correct horse" })),
  ipCap("login.post.yaml", "/auth/login", (i) => ({ email: `flood${i}@example.com`, password: "correct horse" })),
  ipCap("forgot-password.post.yaml", "/auth/forgot-password", (i) => ({ email: `flood${i}@example.com` })),
  ipCap("resend-confirmation.post.yaml", "/auth/resend-confirmation", (i) => ({ email: `flood${i}@example.com` })),
];
const [REGISTER, LOGIN] = CAPS as [IpCap, IpCap, IpCap, IpCap];

for (const target of databaseTargets()) {
  describe(`per-client caps on register, login, forgot-password and resend-confirmation (${target.name})`, () => {
    const clock = { now: START_OF_TESTS };
    let database: DatabaseHandle;
    let smtp: TestSmtp;
    /** TRUST_PROXY=0 (the default), over a real socket. */
    let direct: TrellisApp;
    let overSocket: Served;
    /** TRUST_PROXY=1: one proxy in front, whose X-Forwarded-For entry names the client. */
    let proxied: TrellisApp;

    before(async () => {
      database = await target.open();
      smtp = await startSmtp();
      const env = { SMTP_URL: smtp.url, PUBLIC_URL };
      const now = () => new Date(clock.now);
      direct = await createTestApp({ appDir: REPO_ROOT, database, env, now });
      proxied = await createTestApp({ appDir: REPO_ROOT, database, env: { ...env, TRUST_PROXY: "1" }, now });
      overSocket = await serveForPosts(direct);
    });
    after(async () => {
      await overSocket.close();
      await direct.close();
      await proxied.close();
      await smtp.close();
      await database.close();
    });
    beforeEach(async () => {
      await direct.services.mailer.idle();
      await proxied.services.mailer.idle();
      await resetDatabase(database);
      smtp.clear();
      clock.now = START_OF_TESTS;
    });

    /** Fills the cap of `address` up to one call short of its limit, as earlier calls would have. */
    async function nearlyCapped(cap: IpCap, address: string, spare = 1): Promise<void> {
      const rows = Array.from({ length: cap.limit - spare }, () => ({ key: `limit:${cap.prefix}${address}`, at: new Date(clock.now) }));
      await database.db.insertInto("rate_limit_hits").values(rows).execute();
    }

    const stored = async () => ({
      users: (await database.db.selectFrom("users").select("email").execute()).length,
      mails: (await database.db.selectFrom("outbox").select("id").execute()).length,
    });

    async function assertRefused(res: Response): Promise<number> {
      assert.equal(res.status, 429);
      const retryAfter = Number(res.headers.get("retry-after"));
      assert.ok(retryAfter > 0 && retryAfter <= 900, `Retry-After ${retryAfter}`);
      const body = await res.json();
      assert.equal(body.error.code, "too_many_requests");
      assert.equal(body.error.details.retry_after_seconds, retryAfter);
      return retryAfter;
    }

    for (const cap of CAPS) {
      it(`${cap.route}: past its limit from one client address in 15 minutes, 429 too_many_requests with Retry-After, and nothing stored or mailed`, async () => {
        await nearlyCapped(cap, "127.0.0.1");
        const last = await overSocket.post(cap.route, cap.body(1));
        assert.notEqual(last.status, 429, "the last call within the limit is served");
        const before = await stored();
        await assertRefused(await overSocket.post(cap.route, cap.body(2)));
        assert.deepEqual(await stored(), before);
        const hits = await database.db
          .selectFrom("rate_limit_hits")
          .select("key")
          .where("key", "=", `limit:${cap.prefix}127.0.0.1`)
          .execute();
        assert.equal(hits.length, cap.limit, "the refused call is not counted");
      });
    }

    it("the cap lifts once Retry-After has passed", async () => {
      await nearlyCapped(REGISTER, "127.0.0.1", 0);
      const retryAfter = await assertRefused(await overSocket.post(REGISTER.route, REGISTER.body(1)));
      clock.now += retryAfter * 1000 + 1000;
      assert.equal((await overSocket.post(REGISTER.route, REGISTER.body(1))).status, 202);
    });

    it("with TRUST_PROXY=0 a forged X-Forwarded-For does not dodge the cap: the socket's address is counted", async () => {
      await nearlyCapped(REGISTER, "127.0.0.1");
      assert.equal((await overSocket.post(REGISTER.route, REGISTER.body(1), { "X-Forwarded-For": "198.51.100.1" })).status, 202);
      await assertRefused(await overSocket.post(REGISTER.route, REGISTER.body(2), { "X-Forwarded-For": "198.51.100.2" }));
      const keys = await database.db
        .selectFrom("rate_limit_hits")
        .select("key")
        .where("key", "like", `limit:${REGISTER.prefix}%`)
        .execute();
      assert.deepEqual([...new Set(keys.map((row) => row.key))], [`limit:${REGISTER.prefix}127.0.0.1`]);
    });

    it("with TRUST_PROXY=1 the right-most X-Forwarded-For entry is the client: entries a client adds to its left change nothing", async () => {
      await nearlyCapped(REGISTER, "203.0.113.9", 0);
      const post = (i: number, forwarded: string) =>
        proxied.request(REGISTER.route, json(REGISTER.body(i), { "X-Forwarded-For": forwarded }));
      await assertRefused(await post(1, "203.0.113.9"));
      await assertRefused(await post(2, "198.51.100.7, 203.0.113.9"));
      assert.equal((await post(3, "203.0.113.9, 198.51.100.7")).status, 202, "another client, whatever it claims to its left");
      assert.equal((await stored()).users, 1);
    });

    it("with TRUST_PROXY=1 an X-Forwarded-For entry that is not an address counts as the socket's address", async () => {
      const proxiedServed = await serveForPosts(proxied);
      try {
        await nearlyCapped(REGISTER, "127.0.0.1");
        const post = (i: number) => proxiedServed.post(REGISTER.route, REGISTER.body(i), { "X-Forwarded-For": `junk-${i}` });
        assert.equal((await post(1)).status, 202);
        await assertRefused(await post(2));
      } finally {
        await proxiedServed.close();
      }
    });

    it("one client's flood does not cap another client", async () => {
      await nearlyCapped(REGISTER, "203.0.113.9", 0);
      const res = await proxied.request(REGISTER.route, json(REGISTER.body(1), { "X-Forwarded-For": "192.0.2.44" }));
      assert.equal(res.status, 202);
    });

    it("requests with no known client address (in-process, no socket) share one count rather than going uncapped", async () => {
      await nearlyCapped(REGISTER, "");
      assert.equal((await direct.request(REGISTER.route, json(REGISTER.body(1)))).status, 202);
      await assertRefused(await direct.request(REGISTER.route, json(REGISTER.body(2))));
    });

    it("login's cap counts every attempt from one client across accounts: guessing at many accounts is stopped, the right password too", async () => {
      await registerConfirmed(proxied, smtp, "victim@example.com", "correct horse");
      await nearlyCapped(LOGIN, "203.0.113.9");
      const login = (email: string, password: string) =>
        proxied.request(LOGIN.route, json({ email, password }, { "X-Forwarded-For": "203.0.113.9" }));
      assert.equal((await login("someone@example.com", "guess one")).status, 401);
      await assertRefused(await login("victim@example.com", "correct horse"));
      const tokens = await database.db.selectFrom("refresh_tokens").select("id").execute();
      assert.equal(tokens.length, 0, "no login was issued");
      const other = await proxied.request(
        LOGIN.route,
        json({ email: "victim@example.com", password: "correct horse" }, { "X-Forwarded-For": "192.0.2.44" }),
      );
      assert.equal(other.status, 200, "the owner, from their own address, still signs in");
    });

    it("the shipped limits are generous enough for a test suite on one machine: at least 300 per 15 minutes each", () => {
      for (const cap of CAPS) assert.ok(cap.limit >= 300, `${cap.route} allows ${cap.limit}`);
    });
  });
}
