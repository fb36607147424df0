import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import type { TrellisApp } from "../../src/create-app.ts";

/** The cookies a browser keeps for one site: enough to carry a session through redirects (no paths, no expiry but Max-Age=0). */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  take(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ""] = line.split(";");
      const at = pair.indexOf("=");
      const name = pair.slice(0, at).trim();
      if (/;\s*max-age=0/i.test(line) || /;\s*expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(at + 1));
    }
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  header(): Record<string, string> {
    return this.cookies.size === 0 ? {} : { Cookie: [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ") };
  }
}

/**
 * Follows the provider's redirects (its login and consent, answered by the
 * test provider at once) with fetch, keeping the provider's cookies, until
 * it sends the browser to a URL under `appBase`: the app's callback.
 */
export async function throughProvider(authorizationUrl: string, appBase: string): Promise<URL> {
  const jar = new CookieJar();
  let url = authorizationUrl;
  for (let hop = 0; hop < 10; hop++) {
    if (url.startsWith(appBase)) return new URL(url);
    const res = await fetch(url, { redirect: "manual", headers: jar.header() });
    jar.take(res);
    const location = res.headers.get("location");
    assert.ok(res.status >= 300 && res.status < 400 && location, `the provider answered ${res.status}: ${await res.text()}`);
    url = new URL(location, url).href;
  }
  throw new Error("too many redirects at the provider");
}

/** The path and query of a URL, for `app.request`. */
export const pathOf = (url: URL): string => `${url.pathname}${url.search}`;

/** A code verifier as the app's front end makes one: 43 characters of base64url (256 random bits). */
export const newVerifier = (): string => randomBytes(32).toString("base64url");

/** The S256 challenge of a verifier, computed here independently of trellis's own code. */
export const challengeOf = (verifier: string): string => createHash("sha256").update(verifier).digest("base64url");

/** The app's verifier in tests that need only one; the attacker tests make their own. */
export const APP_VERIFIER = "the-app-s-own-code-verifier.kept-in-sessionStorage~0123456789";

/** The path that starts a sign-in, as the app's "Sign in with …" link has it. */
export const startPath = (provider: string, redirectTo: string, verifier = APP_VERIFIER): string =>
  `/auth/oidc/${provider}?redirect_to=${encodeURIComponent(redirectTo)}&code_challenge=${challengeOf(verifier)}`;

/** A browser's sign-in up to the callback: the app's redirect, its cookie, and the URL the provider sends back to. */
export async function beginSignIn(app: TrellisApp, provider: string, redirectTo: string, appBase: string, verifier = APP_VERIFIER) {
  const jar = new CookieJar();
  const start = await app.request(startPath(provider, redirectTo, verifier));
  assert.equal(start.status, 302, await start.clone().text());
  jar.take(start);
  const location = start.headers.get("location") ?? "";
  const callback = await throughProvider(location, appBase);
  return { start, jar, authorizationUrl: new URL(location), callback, verifier };
}
