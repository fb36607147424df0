import assert from "node:assert/strict";
import type { TrellisApp } from "../../src/create-app.ts";
import type { TestSmtp } from "./smtp.ts";
import { tokenIn } from "./smtp.ts";
import { bearer, json } from "./test-app.ts";

export interface Session {
  readonly access_token: string;
  readonly refresh_token: string;
}

export async function register(app: TrellisApp, email: string, password: string, name?: string): Promise<Response> {
  return app.request("/auth/register", json({ email, password, ...(name ? { name } : {}) }));
}

export async function login(app: TrellisApp, email: string, password: string): Promise<Response> {
  return app.request("/auth/login", json({ email, password }));
}

/** Registers, reads the confirmation mail from the SMTP server and confirms: a user with role guest. */
export async function registerConfirmed(app: TrellisApp, smtp: TestSmtp, email: string, password: string): Promise<void> {
  assert.equal((await register(app, email, password)).status, 202);
  const mail = await smtp.waitFor(email, /Confirm your address/);
  assert.equal((await app.request("/auth/confirm", json({ token: tokenIn(mail) }))).status, 200);
}

export async function signIn(app: TrellisApp, email: string, password: string): Promise<Session> {
  const res = await login(app, email, password);
  assert.equal(res.status, 200);
  return res.json();
}

export const me = (app: TrellisApp, session: Session) => app.request("/auth/me", { headers: bearer(session.access_token) });

export const refresh = (app: TrellisApp, refreshToken: string) => app.request("/auth/refresh", json({ refresh_token: refreshToken }));

/** Claims of a JWT, read without verifying (the server verifies; tests only look). */
export const claimsOf = (token: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString());
