import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { runUserCommand } from "../../src/cli/user-commands.ts";
import { REPO_ROOT } from "../helpers/cli.ts";
import type { ShippedAppContext } from "../helpers/shipped-app.ts";

/** Debian's chromium: the tests drive the browser the machine has, never a downloaded build. */
export const CHROMIUM = "/usr/bin/chromium";
export const SCREENSHOTS = path.join(REPO_ROOT, "test-artefacts", "screenshots");
export const ADMIN_PASSWORD = "correct horse battery";

/** Fails, never skips, without chromium: CI installs it (.ci/run), and a skipped browser test proves nothing. */
export async function launchChromium(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`The browser tests need Debian's chromium at ${CHROMIUM}: apt-get install chromium (.ci/run does this).`);
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
}

/** Builds dist/ (engine and admin page) when it is older than src/ or admin-ui/, as bin/trellis.js does. */
export function ensureBuilt(): void {
  execFileSync(
    process.execPath,
    ["--input-type=module", "-e", 'const m = await import("./scripts/build.mjs"); if (!m.isCurrent()) await m.build();'],
    { cwd: REPO_ROOT, stdio: "inherit" },
  );
}

/** An admin made as `trellis users add <email> --password … --role admin` makes one. */
export async function addAdmin(t: ShippedAppContext, email = "root@example.com"): Promise<void> {
  const result = await runUserCommand(
    t.database.db,
    ["add", email, "--password", ADMIN_PASSWORD, "--role", "admin"],
    new Set(["guest", "admin"]),
    4,
  );
  if (result.code !== 0) throw new Error(result.stderr);
}

/** Opens /admin and signs in through the page's own form. */
export async function signInOnPage(page: Page, base: string, email: string, password = ADMIN_PASSWORD): Promise<void> {
  await page.goto(`${base}/admin`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
