import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { URI } from "otpauth";
import type { Browser } from "playwright-core";
import { registerConfirmed, signIn } from "../helpers/accounts.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { countRows } from "../helpers/rows.ts";
import { type ServedApp, serveOnPort } from "../helpers/serve-on-port.ts";
import { useShippedApp } from "../helpers/shipped-app.ts";
import { tokenIn } from "../helpers/smtp.ts";
import { bearer, json } from "../helpers/test-app.ts";
import { launchChromium, screenshot } from "./browser.ts";

// The page a sign-in link opens, in a real browser: only its button signs in, and an account with an
// authenticator app is asked for a code on the same page. One database suffices: the flows run on both in e2e/.
const [target] = databaseTargets();
const PASSWORD = "correct horse battery";

let browser: Browser;
before(async () => {
  browser = await launchChromium();
});
after(() => browser.close());

describe("the sign-in link's page", () => {
  if (!target) throw new Error("no database target");
  const t = useShippedApp(target);
  let served: ServedApp;
  before(async () => {
    served = await serveOnPort(t.app);
  });
  after(() => served.close());

  async function linkFor(email: string): Promise<string> {
    await t.app.request("/auth/magic-link", json({ email }));
    return `${served.base}/auth/magic-link?token=${tokenIn(await t.smtp.waitFor(email, /sign-in link/))}`;
  }

  async function openPage(link: string) {
    const context = await browser.newContext({ viewport: { width: 360, height: 640 } });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
    page.on("pageerror", (error) => problems.push(error.message));
    await page.goto(link);
    return { page, problems, close: () => context.close() };
  }

  const logins = () => countRows(t.database.db, "refresh_tokens");

  it("opening the link signs nobody in; the button does", async () => {
    await registerConfirmed(t.app, t.smtp, "ann@example.com", PASSWORD);
    const { page, problems, close } = await openPage(await linkFor("ann@example.com"));
    try {
      assert.equal(await logins(), 0, "opening the page started no login");
      await page.getByRole("button", { name: "Sign me in" }).click();
      await page.getByText("You are signed in.").waitFor();
      assert.equal(await logins(), 1);
      await screenshot(page, "sign-in-link");
      assert.deepEqual(problems, [], "the page runs under its policy with no error");
    } finally {
      await close();
    }
  });

  it("an account with an authenticator app is asked for a code on the page, and a right code signs in", async () => {
    await registerConfirmed(t.app, t.smtp, "bo@example.com", PASSWORD);
    const session = await signIn(t.app, "bo@example.com", PASSWORD);
    const { uri } = await (await t.app.request("/auth/2fa/totp", json({}, bearer(session.access_token)))).json();
    const code = () => URI.parse(uri).generate({ timestamp: t.clock.now });
    assert.equal((await t.app.request("/auth/2fa/totp/confirm", json({ code: code() }, bearer(session.access_token)))).status, 200);
    t.clock.now += 30_000;
    const before = await logins();

    const { page, problems, close } = await openPage(await linkFor("bo@example.com"));
    try {
      await page.getByRole("button", { name: "Sign me in" }).click();
      await page.getByText("This account also asks for a code.").waitFor();
      assert.equal(await logins(), before, "no login before the second factor");
      await page.getByLabel(/authenticator app/).fill("000000" === code() ? "111111" : "000000");
      await page.getByRole("button", { name: "Continue" }).click();
      await page.getByText(/not valid/).waitFor();
      await page.getByLabel(/authenticator app/).fill(code());
      await page.getByRole("button", { name: "Continue" }).click();
      await page.getByText("You are signed in.").waitFor();
      assert.equal(await logins(), before + 1);
      await screenshot(page, "sign-in-link-code");
      // The wrong code above is a 401 the browser reports on the console; nothing else may be there.
      assert.deepEqual(
        problems.filter((problem) => !/status of 401/.test(problem)),
        [],
      );
    } finally {
      await close();
    }
  });
});
