import * as client from "openid-client";
import { ConfigError } from "../../config.ts";
import { TrellisError } from "../../errors.ts";
import { isLoopbackHttp, type OidcSettings, type ProviderSettings } from "./oidc-settings.ts";

/** How long one request to a provider (discovery, token, userinfo) may take, in seconds. */
const PROVIDER_TIMEOUT_SECONDS = 8;

/** One configured provider at run time. */
export interface OidcProvider {
  readonly settings: ProviderSettings;
  /** False when its client secret variable is not set: its endpoints then answer 503. */
  readonly ready: boolean;
  /**
   * The openid-client configuration: discovered once (and again after a failure), or built from the
   * written-out endpoints. A provider that cannot be reached is 502 `provider_unavailable`.
   */
  configuration(): Promise<client.Configuration>;
}

export interface OidcProviders {
  /** The exact URLs a sign-in may return to. */
  readonly redirectAllow: ReadonlySet<string>;
  get(name: string): OidcProvider | undefined;
}

interface ProviderOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly production: boolean;
  readonly onWarning: (message: string) => void;
}

/**
 * The providers of trellis.yaml with their secrets read from the environment.
 * A missing secret stops a production start; in development it is a warning
 * and only that provider is unavailable. The secret is never logged.
 */
export function createOidcProviders(settings: OidcSettings, options: ProviderOptions): OidcProviders {
  const missing: string[] = [];
  const providers = new Map<string, OidcProvider>();
  for (const [name, provider] of settings.providers) {
    const secret = options.env[provider.clientSecretEnv];
    if (!secret)
      missing.push(`${provider.clientSecretEnv} is not set: trellis.yaml's oidc provider "${name}" reads its client secret from it`);
    providers.set(name, runtimeProvider(provider, secret || undefined));
  }
  if (missing.length > 0 && options.production) throw new ConfigError(missing);
  for (const problem of missing) options.onWarning(`${problem}; /auth/oidc/<provider> answers 503 until it is set`);
  return { redirectAllow: new Set(settings.redirectAllow), get: (name) => providers.get(name) };
}

function runtimeProvider(settings: ProviderSettings, secret: string | undefined): OidcProvider {
  let configured: Promise<client.Configuration> | undefined;
  return {
    settings,
    ready: secret !== undefined,
    configuration() {
      configured ??= configure(settings, secret ?? "").catch((error: unknown) => {
        // A provider that was down at the first sign-in is asked again at the next one.
        configured = undefined;
        throw new TrellisError(502, "provider_unavailable", "The provider could not be reached", undefined, { cause: error });
      });
      return configured;
    },
  };
}

async function configure(settings: ProviderSettings, secret: string): Promise<client.Configuration> {
  const auth = client.ClientSecretPost(secret);
  if (settings.kind === "issuer") {
    const issuer = new URL(settings.issuer);
    const execute = isLoopbackHttp(issuer) ? [client.allowInsecureRequests] : [];
    const config = await client.discovery(issuer, settings.clientId, undefined, auth, { execute, timeout: PROVIDER_TIMEOUT_SECONDS });
    config.timeout = PROVIDER_TIMEOUT_SECONDS;
    return config;
  }
  const endpoint = new URL(settings.authorizationEndpoint);
  const config = new client.Configuration(
    {
      // A plain OAuth 2 provider publishes no issuer; its authorization server's origin names it.
      issuer: endpoint.origin,
      authorization_endpoint: settings.authorizationEndpoint,
      token_endpoint: settings.tokenEndpoint,
      userinfo_endpoint: settings.userinfoEndpoint,
    },
    settings.clientId,
    undefined,
    auth,
  );
  if ([settings.tokenEndpoint, settings.userinfoEndpoint, settings.emailsEndpoint].some((url) => url && isLoopbackHttp(new URL(url))))
    client.allowInsecureRequests(config);
  config.timeout = PROVIDER_TIMEOUT_SECONDS;
  return config;
}
