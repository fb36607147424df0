import assert from "node:assert/strict";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import { URI } from "otpauth";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { login, me, refresh, registerConfirmed, type Session, signIn } from "../helpers/accounts.ts";
import { idOf, PASSWORD } from "../helpers/admin-session.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { type ServedApp, serveOnPort } from "../helpers/serve-on-port.ts";
import { START_OF_TESTS, useShippedApp } from "../helpers/shipped-app.ts";
import { bearer, json } from "../helpers/test-app.ts";
import { ADMIN_PASSWORD, addAdmin, ensureBuilt, launchChromium, screenshot, signInOnPage } from "./browser.ts";

// The users page in a real browser: an admin signs in through /admin, finds a user and changes their roles,
// sessions and account; each change is checked through the API the user themself calls, and in the database.

let browser: Browser;
before(async () => {
  ensureBuilt();
  browser = await launchChromium();
});
after(() => browser.close());

for (const target of databaseTargets()) {
  describe(`admin page, users (${target.name})`, () => {
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
      context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      // Well under the test runner's patience, so a missing element fails with its locator named.
      context.setDefaultTimeout(10_000);
      page = await context.newPage();
      problems = [];
      // A CSP violation or a script error shows up here: the page must run under its policy untouched.
      page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
      page.on("pageerror", (error) => problems.push(error.message));
    });
    afterEach(async () => {
      await context.close();
    });

    /** ann, a confirmed guest, signed in once over the API. */
    async function ann(): Promise<Session> {
      await registerConfirmed(t.app, t.smtp, "ann@example.com", PASSWORD);
      return signIn(t.app, "ann@example.com", PASSWORD);
    }

    it("an admin searches by email, grants ann admin, and ann's next refresh carries it", async () => {
      await addAdmin(t);
      const session = await ann();
      await registerConfirmed(t.app, t.smtp, "bob@example.com", PASSWORD);
      await signInOnPage(page, served.base, "root@example.com");
      const rows = page.locator("tbody tr");
      await rows.nth(2).waitFor();
      assert.equal(await rows.count(), 3);
      await screenshot(page, "users");

      await page.getByLabel("Email contains").fill("ANN");
      await page.getByRole("button", { name: "Search" }).click();
      await page.getByText("Users 1–1 of 1").waitFor();
      assert.deepEqual(await rows.locator("td:first-child").allTextContents(), ["ann@example.com"]);

      await page.getByLabel("Confirmed").selectOption("false");
      await page.getByRole("button", { name: "Search" }).click();
      await page.getByText("No users match.").waitFor();
      await page.getByLabel("Confirmed").selectOption("true");
      await page.getByRole("button", { name: "Search" }).click();
      await page.getByText("Users 1–1 of 1").waitFor();
      await page.getByRole("link", { name: "ann@example.com" }).click();
      await page.getByRole("heading", { name: "ann@example.com" }).waitFor();
      await page.getByLabel("Role to grant").fill("admin");
      await page.getByRole("button", { name: "Grant" }).click();
      await page.getByRole("button", { name: "Revoke admin" }).waitFor();
      await screenshot(page, "user");

      const stored = await t.database.db
        .selectFrom("user_roles")
        .select("role")
        .where("user_id", "=", await idOf(t, "ann@example.com"))
        .execute();
      assert.deepEqual(stored.map((row) => row.role).sort(), ["admin", "guest"]);
      const refreshed = await refresh(t.app, session.refresh_token);
      assert.equal(refreshed.status, 200);
      const profile = await me(t.app, await refreshed.json());
      assert.equal(profile.status, 200);
      assert.deepEqual(((await profile.json()) as { roles: string[] }).roles.sort(), ["admin", "guest"]);
      assert.deepEqual(problems, []);
    });

    it("the users list pages by 20: Next and Previous", async () => {
      await addAdmin(t);
      // Rows as registration leaves them (unconfirmed); the list only reads them.
      await t.database.db
        .insertInto("users")
        .values(Array.from({ length: 21 }, (_, n) => ({ email: `user${String(n).padStart(2, "0")}@example.com`, password_hash: "x" })))
        .execute();
      await signInOnPage(page, served.base, "root@example.com");
      await page.getByText("Users 1–20 of 22").waitFor();
      assert.equal(await page.locator("tbody tr").count(), 20);
      assert.equal(await page.getByRole("link", { name: "← Previous" }).count(), 0);
      await page.getByRole("link", { name: "Next →" }).click();
      await page.getByText("Users 21–22 of 22").waitFor();
      assert.equal(await page.locator("tbody tr").count(), 2);
      assert.equal(await page.getByRole("link", { name: "Next →" }).count(), 0);
      await page.getByRole("link", { name: "← Previous" }).click();
      await page.getByText("Users 1–20 of 22").waitFor();
    });

    it("revoking a role asks first; Cancel keeps it, confirming removes it", async () => {
      await addAdmin(t);
      await ann();
      const id = await idOf(t, "ann@example.com");
      await signInOnPage(page, served.base, "root@example.com");
      await page.goto(`${served.base}/admin#/users/${id}`);
      await page.getByRole("button", { name: "Revoke guest" }).click();
      const dialog = page.getByRole("dialog");
      await dialog.getByRole("button", { name: "Cancel" }).click();
      const roles = () => t.database.db.selectFrom("user_roles").select("role").where("user_id", "=", id).execute();
      assert.deepEqual(await roles(), [{ role: "guest" }]);

      await page.getByRole("button", { name: "Revoke guest" }).click();
      await dialog.getByRole("button", { name: "Revoke guest" }).click();
      await page.getByText("No roles granted.").waitFor();
      assert.deepEqual(await roles(), []);
      assert.deepEqual(problems, []);
    });

    it("revoke all sessions: ann's refresh token stops working", async () => {
      await addAdmin(t);
      const session = await ann();
      await signIn(t.app, "ann@example.com", PASSWORD);
      await signInOnPage(page, served.base, "root@example.com");
      await page.goto(`${served.base}/admin#/users/${await idOf(t, "ann@example.com")}`);
      await page.locator("h2:text('Sessions') + .table tbody tr").nth(1).waitFor();
      await screenshot(page, "sessions");
      await page.getByRole("button", { name: "Revoke all sessions" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Revoke all sessions" }).click();
      await page.getByText("No live sessions.").waitFor();

      const answer = await refresh(t.app, session.refresh_token);
      assert.equal(answer.status, 401);
      assert.equal(((await answer.json()) as { error: { code: string } }).error.code, "invalid_refresh_token");
      assert.deepEqual(problems, []);
    });

    it("disable stops ann signing in, enable lets her again, delete removes her", async () => {
      await addAdmin(t);
      await ann();
      await signInOnPage(page, served.base, "root@example.com");
      await page.goto(`${served.base}/admin#/users/${await idOf(t, "ann@example.com")}`);
      await page.getByRole("button", { name: "Disable" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Disable" }).click();
      await page.getByText("yes — cannot sign in").waitFor();
      const refused = await login(t.app, "ann@example.com", PASSWORD);
      assert.equal(refused.status, 403);
      assert.equal(((await refused.json()) as { error: { code: string } }).error.code, "account_disabled");

      await page.getByRole("button", { name: "Enable" }).click();
      await page.getByRole("button", { name: "Disable" }).waitFor();
      assert.equal((await login(t.app, "ann@example.com", PASSWORD)).status, 200);

      await page.getByRole("button", { name: "Delete" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
      await page.getByRole("heading", { name: "Users" }).waitFor();
      await page.getByText("Users 1–1 of 1").waitFor();
      const left = await t.database.db.selectFrom("users").select("email").execute();
      assert.deepEqual(left, [{ email: "root@example.com" }]);
      assert.deepEqual(problems, []);
    });

    it("reset two-factor: ann, who lost her authenticator app, signs in with the password alone again", async () => {
      await addAdmin(t);
      const session = await ann();
      const { uri } = await (await t.app.request("/auth/2fa/totp", json({}, bearer(session.access_token)))).json();
      const code = URI.parse(uri).generate({ timestamp: t.clock.now });
      assert.equal((await t.app.request("/auth/2fa/totp/confirm", json({ code }, bearer(session.access_token)))).status, 200);
      assert.ok("mfa_required" in (await (await login(t.app, "ann@example.com", PASSWORD)).json()));

      await signInOnPage(page, served.base, "root@example.com");
      await page.goto(`${served.base}/admin#/users/${await idOf(t, "ann@example.com")}`);
      await page.getByText("on — signing in asks for an authenticator code").waitFor();
      await page.getByRole("button", { name: "Reset two-factor" }).click();
      await page.getByRole("dialog").getByRole("button", { name: "Reset two-factor" }).click();
      await page.getByRole("button", { name: "Reset two-factor" }).waitFor({ state: "detached" });
      assert.ok("access_token" in (await (await login(t.app, "ann@example.com", PASSWORD)).json()), "the password alone signs in");
      assert.equal((await refresh(t.app, session.refresh_token)).status, 401, "her logins ended");
      assert.deepEqual(problems, []);
    });

    it("a guest who signs in sees 'not allowed', not a blank page, and no user data", async () => {
      await ann();
      await signInOnPage(page, served.base, "ann@example.com", PASSWORD);
      await page.getByText("Not allowed.").waitFor();
      assert.equal(await page.locator("tbody tr").count(), 0);
      await screenshot(page, "not-allowed");
      for (const place of ["Roles", "Log", "Outbox", "Endpoints"]) {
        await page.getByRole("link", { name: place }).click();
        await page.getByRole("heading", { name: place }).waitFor();
        await page.getByText("Not allowed.").waitFor();
        assert.equal(await page.locator("tbody tr, .cards li, .log li").count(), 0, place);
      }
    });

    it("a refused access token is refreshed once and the request sent again; one about to run out is refreshed first", async () => {
      await addAdmin(t);
      await signInOnPage(page, served.base, "root@example.com");
      await page.locator("tbody tr").first().waitFor();
      const refreshes: number[] = [];
      const refused: string[] = [];
      page.on("response", (response) => {
        if (response.url().endsWith("/auth/refresh")) refreshes.push(response.status());
        else if (response.status() === 401) refused.push(response.url());
      });
      const stored = async () => JSON.parse((await page.evaluate('sessionStorage.getItem("trellis-admin-session")')) as string);
      const before = await stored();

      // A token the server does not accept (as after a key rotation): 401, one refresh, the same request again.
      await page.evaluate(
        `sessionStorage.setItem("trellis-admin-session", JSON.stringify({ ...${JSON.stringify(before)}, access: "x.y.z" }))`,
      );
      await page.reload();
      await page.getByRole("link", { name: "root@example.com" }).waitFor();
      assert.deepEqual(refreshes, [200]);
      assert.equal(refused.length, 1);
      const rotated = await stored();
      assert.notEqual(rotated.refresh, before.refresh, "the refresh token rotated");

      // A token that runs out in a second is refreshed before it is used: no 401 this time.
      await page.evaluate(
        `sessionStorage.setItem("trellis-admin-session", JSON.stringify({ ...${JSON.stringify(rotated)}, expiresAt: Date.now() + 1000 }))`,
      );
      await page.reload();
      await page.getByRole("link", { name: "root@example.com" }).waitFor();
      assert.deepEqual(refreshes, [200, 200]);
      assert.equal(refused.length, 1);
      // Sent again, the first refresh token is refused (and, as a reused token, ends the login).
      assert.equal((await refresh(t.app, before.refresh)).status, 401, "the first refresh token is spent");
      assert.deepEqual(
        problems.filter((text) => !/401/.test(text)),
        [],
      );
    });

    it("a session whose refresh token no longer works goes back to the sign-in form", async () => {
      await addAdmin(t);
      await signInOnPage(page, served.base, "root@example.com");
      await page.locator("tbody tr").first().waitFor();
      await t.database.db
        .updateTable("refresh_tokens")
        .set({ revoked_at: new Date(START_OF_TESTS) })
        .execute();
      await page.evaluate(
        `sessionStorage.setItem("trellis-admin-session", JSON.stringify({ ...JSON.parse(sessionStorage.getItem("trellis-admin-session")), expiresAt: 0 }))`,
      );
      await page.reload();
      await page.getByRole("button", { name: "Sign in" }).waitFor();
      assert.equal(await page.evaluate("sessionStorage.length"), 0);
    });

    it("keyboard only: sign in with Tab and Enter, reach a user, and Escape backs out of a confirm dialog", async () => {
      await addAdmin(t);
      await ann();
      await page.goto(`${served.base}/admin`);
      await page.keyboard.press("Tab");
      await page.keyboard.type("root@example.com");
      await page.keyboard.press("Tab");
      await page.keyboard.type(ADMIN_PASSWORD);
      await page.keyboard.press("Enter");
      await page.getByRole("link", { name: "ann@example.com" }).waitFor();
      await page.getByRole("link", { name: "ann@example.com" }).focus();
      await page.keyboard.press("Enter");
      const revoke = page.getByRole("button", { name: "Revoke guest" });
      await revoke.focus();
      assert.equal(await page.evaluate("getComputedStyle(document.activeElement).outlineStyle"), "solid", "focus is visible");
      await page.keyboard.press("Enter");
      await page.getByRole("dialog").waitFor();
      await page.keyboard.press("Escape");
      await page.getByRole("dialog").waitFor({ state: "hidden" });
      const id = await idOf(t, "ann@example.com");
      assert.deepEqual(await t.database.db.selectFrom("user_roles").select("role").where("user_id", "=", id).execute(), [
        { role: "guest" },
      ]);
    });

    it("the sign-in page: a wrong password is shown inline in the API's words, and nothing is signed in", async () => {
      await addAdmin(t);
      await page.goto(`${served.base}/admin`);
      await page.getByRole("button", { name: "Sign in" }).waitFor();
      await screenshot(page, "sign-in");
      await page.getByLabel("Email").fill("root@example.com");
      await page.getByLabel("Password").fill("wrong horse battery");
      await page.getByRole("button", { name: "Sign in" }).click();
      const alert = page.getByRole("alert");
      await alert.waitFor();
      assert.match(await alert.innerText(), /\w/);
      assert.equal(await page.getByRole("button", { name: "Sign out" }).count(), 0);
      assert.equal(await page.evaluate("sessionStorage.length"), 0);
    });
  });
}
