/**
 * The cookie that binds a sign-in to the browser that began it: it holds the
 * flow's `state`, and the callback must find the same value in the URL and in
 * the cookie. Another browser sent to the callback URL (a login CSRF) has no
 * such cookie. HttpOnly, so no script reads it; SameSite=Lax, so the
 * provider's top-level redirect back still carries it; its path is the
 * callback's, so no other request does.
 */
export const STATE_COOKIE = "trellis_oidc_state";

export interface CookieScope {
  /** The callback URL; the cookie is sent to its path only, and is Secure when it is https. */
  readonly callbackUrl: string;
}

export function stateCookie(state: string, scope: CookieScope, maxAgeSeconds: number): string {
  return `${STATE_COOKIE}=${state}; ${attributes(scope)}; Max-Age=${maxAgeSeconds}`;
}

/** The same cookie, expired: a spent flow's binding is of no further use. */
export function clearedStateCookie(scope: CookieScope): string {
  return `${STATE_COOKIE}=; ${attributes(scope)}; Max-Age=0`;
}

function attributes({ callbackUrl }: CookieScope): string {
  const url = new URL(callbackUrl);
  const secure = url.protocol === "https:" ? "; Secure" : "";
  return `Path=${url.pathname}; HttpOnly; SameSite=Lax${secure}`;
}
