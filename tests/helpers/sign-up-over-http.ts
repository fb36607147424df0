import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";

/** What a new user does against a running server: register, follow the link in the development outbox, sign in. */
export async function signUpOverHttp(base: string, dataDir: string, email: string, password: string): Promise<string> {
  const post = (route: string, body: unknown) =>
    fetch(`${base}${route}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
  assert.equal((await post("/auth/register", { email, password })).status, 202);
  const token = await confirmTokenFromOutbox(dataDir, email);
  assert.equal((await post("/auth/confirm", { token })).status, 200);
  const login = await post("/auth/login", { email, password });
  assert.equal(login.status, 200);
  return ((await login.json()) as { access_token: string }).access_token;
}

export const getMe = (base: string, accessToken: string) =>
  fetch(`${base}/auth/me`, { headers: { Authorization: `Bearer ${accessToken}` } });

/** The confirmation token in the .eml the development outbox saved for `email` under DATA_DIR/outbox. */
async function confirmTokenFromOutbox(dataDir: string, email: string): Promise<string> {
  const outbox = path.join(dataDir, "outbox");
  for (let tries = 0; tries < 100; tries++) {
    const files = fs.existsSync(outbox) ? fs.readdirSync(outbox).sort() : [];
    for (const file of files.reverse()) {
      const text = fs.readFileSync(path.join(outbox, file), "utf8");
      const token = /\/auth\/confirm\?token=([A-Za-z0-9_-]+)/.exec(text)?.[1];
      if (token && text.includes(`To: ${email}`)) return token;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return assert.fail(`no confirmation mail for ${email} in ${outbox}`);
}
