// The page's only way to the server: the app's own endpoints, with the signed-in admin's bearer token.
// Tokens live in sessionStorage (this tab only, gone when it closes), never in a cookie or localStorage.

const meta = (name: string, fallback: string) => document.querySelector<HTMLMetaElement>(`meta[name="${name}"]`)?.content ?? fallback;
/** trellis.yaml's prefix and auth scheme, written into the page by the server. */
const PREFIX = meta("trellis-prefix", "");
const SCHEME = meta("trellis-auth-scheme", "Bearer");
const STORE = "trellis-admin-session";
/** Refresh this long before the access token runs out, so a request never carries one about to expire. */
const REFRESH_MARGIN_MS = 30_000;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

interface Tokens {
  access: string;
  refresh: string;
  expiresAt: number;
}

let tokens: Tokens | undefined = readStored();
let refreshing: Promise<void> | undefined;
const listeners = new Set<() => void>();

function readStored(): Tokens | undefined {
  try {
    const value = JSON.parse(sessionStorage.getItem(STORE) ?? "null");
    return value && typeof value.access === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

function setTokens(next: Tokens | undefined): void {
  tokens = next;
  if (next) sessionStorage.setItem(STORE, JSON.stringify(next));
  else sessionStorage.removeItem(STORE);
  for (const listener of listeners) listener();
}

export const signedIn = () => tokens !== undefined;
export function onSessionChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

async function send(method: string, path: string, body?: unknown, token?: string): Promise<Response> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `${SCHEME} ${token}`;
  return fetch(PREFIX + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function errorOf(response: Response): Promise<ApiError> {
  const payload = await response.json().catch(() => undefined);
  const error = payload?.error;
  if (error && typeof error.message === "string") return new ApiError(response.status, String(error.code), error.message);
  return new ApiError(response.status, "unexpected", `The server answered ${response.status}.`);
}

function tokensFrom(body: { access_token: string; refresh_token: string; expires_in: number }): Tokens {
  return { access: body.access_token, refresh: body.refresh_token, expiresAt: Date.now() + body.expires_in * 1000 };
}

export async function signIn(email: string, password: string): Promise<void> {
  const response = await send("POST", "/auth/login", { email, password });
  if (!response.ok) throw await errorOf(response);
  setTokens(tokensFrom(await response.json()));
}

export async function signOut(): Promise<void> {
  const current = tokens;
  setTokens(undefined);
  // Ends this session on the server too; the page is signed out whatever the answer.
  if (current) await send("POST", "/auth/logout", { refresh_token: current.refresh }, current.access).catch(() => undefined);
}

/** One refresh at a time: refresh tokens rotate, and sending one twice would look like a stolen token. */
function refresh(): Promise<void> {
  refreshing ??= (async () => {
    const current = tokens;
    if (!current) throw new ApiError(401, "signed_out", "Please sign in.");
    const response = await send("POST", "/auth/refresh", { refresh_token: current.refresh });
    if (!response.ok) {
      setTokens(undefined);
      throw await errorOf(response);
    }
    setTokens(tokensFrom(await response.json()));
  })().finally(() => {
    refreshing = undefined;
  });
  return refreshing;
}

/** A request with the admin's token: refreshed shortly before it expires, and once more on a 401. */
export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  if (tokens && tokens.expiresAt - Date.now() < REFRESH_MARGIN_MS) await refresh();
  if (!tokens) throw new ApiError(401, "signed_out", "Please sign in.");
  let response = await send(method, path, body, tokens.access);
  if (response.status === 401) {
    await refresh();
    response = await send(method, path, body, tokens?.access);
  }
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** `?a=1&b=2` from the values that are set. */
export function query(values: Record<string, string | number | boolean | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(values)) if (value !== undefined && value !== "") params.set(key, String(value));
  const text = params.toString();
  return text ? `?${text}` : "";
}
