import { isLoopbackHttp, NO_OIDC, type OidcSettings, type ProviderSettings, type UsersPolicy } from "../auth/oidc/oidc-settings.ts";
import { asMap, unknownKeys } from "./settings-fields.ts";
import type { YamlSource } from "./yaml-source.ts";

const OIDC_KEYS = ["redirect_allow", "providers"];
const ISSUER_KEYS = ["issuer", "client_id", "client_secret_env", "scopes", "users"];
const OAUTH2_KEYS = [
  "authorization_endpoint",
  "token_endpoint",
  "userinfo_endpoint",
  "emails_endpoint",
  "client_id",
  "client_secret_env",
  "scopes",
  "users",
];
const PROVIDER_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]{1,100}$/;
const MAX_URL = 2000;
const DEFAULT_SCOPES = ["openid", "email", "profile"];

/** trellis.yaml's `oidc:` map; every problem is reported at its position, and a provider with one is left out. */
export function loadOidcSettings(value: unknown, source: YamlSource): OidcSettings {
  if (value === undefined) return NO_OIDC;
  const oidc = asMap(value, ["oidc"], source);
  if (!oidc) return NO_OIDC;
  unknownKeys(oidc, OIDC_KEYS, ["oidc"], source);

  let redirectAllow: string[] = [];
  if (oidc.redirect_allow !== undefined) {
    const list = oidc.redirect_allow;
    if (!Array.isArray(list)) source.report(["oidc", "redirect_allow"], "redirect_allow must be a list of URLs");
    else
      redirectAllow = list.filter((url, i) => {
        const ok = typeof url === "string" && url.length <= MAX_URL && isRedirectTarget(url);
        if (!ok)
          source.report(
            ["oidc", "redirect_allow", i],
            "each redirect_allow entry must be an absolute http(s) URL with no ?query or #fragment (the sign-in adds ?code=)",
          );
        return ok;
      });
  }

  const providers = new Map<string, ProviderSettings>();
  const map = oidc.providers === undefined ? {} : asMap(oidc.providers, ["oidc", "providers"], source);
  for (const [name, raw] of Object.entries(map ?? {})) {
    const at = ["oidc", "providers", name];
    if (name === "token") {
      source.report(at, 'a provider cannot be named "token": POST /auth/oidc/token trades the sign-in code', { atKey: true });
      continue;
    }
    if (!PROVIDER_NAME.test(name) || name.length > 50) {
      source.report(at, "a provider's name is kebab-case (it is the {provider} in /auth/oidc/{provider})", { atKey: true });
      continue;
    }
    const provider = loadProvider(name, raw, at, source);
    if (provider) providers.set(name, provider);
  }
  return { redirectAllow, providers };
}

function loadProvider(name: string, raw: unknown, at: string[], source: YamlSource): ProviderSettings | undefined {
  const map = asMap(raw, at, source);
  if (!map) return undefined;
  const before = source.issues.length;
  const isIssuer = map.issuer !== undefined;
  if (isIssuer && map.authorization_endpoint !== undefined)
    source.report([...at, "authorization_endpoint"], "give either issuer (discovery) or the endpoints, not both", { atKey: true });
  unknownKeys(map, isIssuer ? ISSUER_KEYS : OAUTH2_KEYS, at, source);

  const text = (key: string, pattern?: RegExp, hint = "a text"): string => {
    const value = map[key];
    if (typeof value === "string" && value.length > 0 && value.length <= 500 && (!pattern || pattern.test(value))) return value;
    source.report(value === undefined ? at : [...at, key], value === undefined ? `${key} is required` : `${key} must be ${hint}`);
    return "";
  };
  const url = (key: string, optional = false): string | undefined => {
    const value = map[key];
    if (value === undefined && optional) return undefined;
    if (typeof value === "string" && value.length <= MAX_URL && isProviderUrl(value)) return value;
    source.report(
      value === undefined ? at : [...at, key],
      value === undefined ? `${key} is required` : `${key} must be an https URL (http only for localhost)`,
    );
    return "";
  };

  const clientId = text("client_id");
  const clientSecretEnv = text("client_secret_env", ENV_NAME, "the name of an environment variable, like EXAMPLE_CLIENT_SECRET");
  const scopes = loadScopes(map.scopes, isIssuer, [...at, "scopes"], source);
  const users = loadUsers(map.users, [...at, "users"], source);
  const common = { name, clientId, clientSecretEnv, scopes, users };
  const provider: ProviderSettings = isIssuer
    ? { kind: "issuer", issuer: url("issuer") ?? "", ...common }
    : {
        kind: "oauth2",
        authorizationEndpoint: url("authorization_endpoint") ?? "",
        tokenEndpoint: url("token_endpoint") ?? "",
        userinfoEndpoint: url("userinfo_endpoint") ?? "",
        emailsEndpoint: url("emails_endpoint", true),
        ...common,
      };
  return source.issues.length === before ? provider : undefined;
}

function loadScopes(value: unknown, isIssuer: boolean, at: string[], source: YamlSource): string[] {
  if (value === undefined) return isIssuer ? DEFAULT_SCOPES : [];
  if (!Array.isArray(value) || value.length > 50 || !value.every((scope) => typeof scope === "string" && SCOPE.test(scope))) {
    source.report(at, "scopes must be a list of scope names, like [openid, email, profile]");
    return [];
  }
  if (isIssuer && !value.includes("openid")) source.report(at, "an OpenID Connect issuer needs the openid scope");
  return value as string[];
}

function loadUsers(value: unknown, at: string[], source: YamlSource): UsersPolicy {
  if (value === undefined) return "link";
  if (value === "link" || value === "create") return value;
  source.report(at, "users must be link (sign in existing users only) or create (also make new ones)");
  return "link";
}

/** Where a sign-in may send the browser back to: absolute, http(s), with no query (the callback adds `?code=`) and no fragment. */
function isRedirectTarget(text: string): boolean {
  const url = parseUrl(text);
  return url !== undefined && (url.protocol === "https:" || url.protocol === "http:") && !/[?#]/.test(text) && url.username === "";
}

function isProviderUrl(text: string): boolean {
  const url = parseUrl(text);
  return url !== undefined && (url.protocol === "https:" || isLoopbackHttp(url)) && url.username === "" && url.hash === "";
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
