import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { login, registerConfirmed } from "../helpers/accounts.ts";
import { idOf, PASSWORD } from "../helpers/admin-session.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { type ServedApp, serveOnPort } from "../helpers/serve-on-port.ts";
import { START_OF_TESTS, useShippedApp } from "../helpers/shipped-app.ts";
import { addAdmin, ensureBuilt, launchChromium, screenshot, signInOnPage } from "./browser.ts";

// The outbox, log, roles and endpoints pages in a real browser, each doing its main task against the real API.

/** Waits for a condition on the page, checked from here: the page's CSP rightly refuses the eval waitForFunction needs. */
async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not so after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let browser: Browser;
before(async () => {
  ensureBuilt();
  browser = await launchChromium();
});
after(() => browser.close());

for (const target of databaseTargets()) {
  describe(`admin page: outbox, log, roles, endpoints (${target.name})`, () => {
    const t = useShippedApp(target);
    let served: ServedApp;
    let context: BrowserContext;
    let page: Page;
    let problems: string[];
    before(async () => {
      served = await serveOnPort(t.app);
    });
    after(() => served.close());
    beforeEach(async () => {
      // 360 px wide: every page must work on a phone.
      context = await browser.newContext({ viewport: { width: 360, height: 740 }, timezoneId: "UTC" });
      // Well under the test runner's patience, so a missing element fails with its locator named.
      context.setDefaultTimeout(10_000);
      page = await context.newPage();
      problems = [];
      page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
      page.on("pageerror", (error) => problems.push(error.message));
      await addAdmin(t);
    });
    afterEach(async () => {
      try {
        // Wide tables scroll inside their box; the page itself never gets wider than the phone.
        const width = (await page.evaluate("document.documentElement.scrollWidth")) as number;
        assert.ok(width <= 360, `the page is ${width} px wide at 360 px`);
      } finally {
        await context.close();
      }
    });

    it("outbox: a failed mail shows its last error; Retry delivers it to the SMTP server", async () => {
      // As the mailer leaves a mail it gave up on: failed, with the server's refusal.
      const { id } = await t.database.db
        .insertInto("outbox")
        .values({
          to: "ann@example.com",
          subject: "Your weekly digest",
          text: "Hello",
          html: null,
          attempts: 5,
          next_attempt_at: new Date(START_OF_TESTS),
          failed_at: new Date(START_OF_TESTS),
          last_error: "550 5.1.1 mailbox unavailable",
        })
        .returning("id")
        .executeTakeFirstOrThrow();
      await signInOnPage(page, served.base, "root@example.com");
      await page.getByRole("link", { name: "Outbox" }).click();
      await page.getByText("550 5.1.1 mailbox unavailable").waitFor();
      await screenshot(page, "outbox");
      assert.equal(t.smtp.mails.filter((mail) => mail.to === "ann@example.com").length, 0);

      await page.getByRole("button", { name: `Retry mail ${id}` }).click();
      const mail = await t.smtp.waitFor("ann@example.com", /Your weekly digest/);
      assert.match(mail.text, /Hello/);
      await t.app.services.mailer.idle();
      const row = await t.database.db.selectFrom("outbox").select(["sent_at", "failed_at"]).where("id", "=", id).executeTakeFirstOrThrow();
      assert.ok(row.sent_at);
      assert.equal(row.failed_at, null);
      await page.getByLabel("Show").selectOption("sent");
      await page.locator(".status.sent").first().waitFor();
      assert.deepEqual(problems, []);
    });

    it("log: newest first, filtered by event and time, and the live tail shows a new sign-in", async () => {
      await registerConfirmed(t.app, t.smtp, "ann@example.com", PASSWORD);
      t.clock.now = START_OF_TESTS + 3_600_000;
      assert.equal((await login(t.app, "ann@example.com", PASSWORD)).status, 200);
      await signInOnPage(page, served.base, "root@example.com");
      await page.getByRole("link", { name: "Log" }).click();
      const entries = page.locator(".log li strong");
      await entries.first().waitFor();
      const all = await entries.allTextContents();
      assert.equal(all[0], "login", "newest first: the admin's own sign-in");
      assert.ok(all.includes("user.created"));

      await page.getByLabel("Event").fill("login");
      await page.getByLabel("Since").fill("2026-03-01T12:30");
      await page.getByRole("button", { name: "Filter" }).click();
      await until(async () => (await entries.count()) === 2);
      assert.deepEqual(await entries.allTextContents(), ["login", "login"]);
      assert.match(page.url(), /event=login/);

      // From ann's page, her entries only: registered, confirmed, signed in.
      await page.goto(`${served.base}/admin#/users/${await idOf(t, "ann@example.com")}`);
      await page.getByRole("link", { name: "Their log entries" }).click();
      await until(async () => (await entries.count()) === 3);
      assert.deepEqual(await entries.allTextContents(), ["login", "confirm", "register"]);
      await page.getByLabel("Event").fill("login");
      await page.getByLabel("User id").fill("");
      await page.getByRole("button", { name: "Filter" }).click();
      await until(async () => (await entries.count()) === 2);

      await page.getByLabel("Live tail").check();
      await page.getByText("Watching for new entries").waitFor();
      t.clock.now += 60_000;
      assert.equal((await login(t.app, "ann@example.com", PASSWORD)).status, 200);
      await until(async () => (await entries.count()) === 3);
      const annId = await idOf(t, "ann@example.com");
      assert.match((await page.locator(".log li").first().innerText()) ?? "", new RegExp(`login by ${annId}`));
      await screenshot(page, "log");
      assert.deepEqual(problems, []);
    });

    it("roles: the graph from roles.yaml with holders, linked to the users page filtered by role", async () => {
      await registerConfirmed(t.app, t.smtp, "ann@example.com", PASSWORD);
      await signInOnPage(page, served.base, "root@example.com");
      await page.getByRole("link", { name: "Roles" }).click();
      const admin = page.locator(".cards li", { has: page.getByRole("heading", { name: "admin", exact: true }) });
      await admin.waitFor();
      assert.match(await admin.innerText(), /Implies\s+guest/);
      const guest = page.locator(".cards li", { has: page.getByRole("heading", { name: "guest", exact: true }) });
      assert.match(await guest.innerText(), /Implied by\s+admin/);
      await screenshot(page, "roles");

      await admin.getByRole("link", { name: "1 user" }).click();
      await page.getByText("Users 1–1 of 1").waitFor();
      assert.deepEqual(await page.locator("tbody td:first-child").allTextContents(), ["root@example.com"]);
      assert.equal(await page.getByLabel("Role").inputValue(), "admin");
      await page.getByRole("link", { name: "Roles" }).click();
      await guest.getByRole("link", { name: "2 users" }).click();
      await page.getByText("Users 1–2 of 2").waitFor();
      // The users list and a user's page at 360 px too (afterEach checks the width).
      await page.getByRole("link", { name: "ann@example.com" }).click();
      await page.getByText("No live sessions.").waitFor();
      await screenshot(page, "user-360");
      assert.deepEqual(problems, []);
    });

    it("endpoints: every route with who may call it and its file:line, and a link to /docs", async () => {
      await signInOnPage(page, served.base, "root@example.com");
      await page.getByRole("link", { name: "Endpoints" }).click();
      const login = page.locator("tbody tr", { has: page.getByText("/auth/login", { exact: true }) });
      await login.waitFor();
      assert.match(await login.innerText(), /POST[\s\S]*public[\s\S]*endpoints\/auth\/login\.post\.yaml:\d+/);
      const users = page.locator("tbody tr", { has: page.getByText("/admin/users", { exact: true }) });
      assert.match(await users.innerText(), /GET[\s\S]*admin[\s\S]*endpoints\/admin\/users\/index\.get\.yaml:\d+/);
      const routes = (await (await t.app.request("/openapi.json")).json()) as { paths: Record<string, Record<string, unknown>> };
      const count = Object.values(routes.paths).reduce((sum, methods) => sum + Object.keys(methods).length, 0);
      assert.equal(await page.locator("tbody tr").count(), count, "one row per route");
      await screenshot(page, "endpoints");
      const docs = page.getByRole("link", { name: /API reference/ });
      assert.equal(await docs.getAttribute("href"), "/docs");
      assert.deepEqual(problems, []);
    });
  });
}
