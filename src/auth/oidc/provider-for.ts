import { TrellisError } from "../../errors.ts";
import type { OidcProvider, OidcProviders } from "./oidc-providers.ts";

/** The provider named in the URL: 404 when trellis.yaml has none of that name. */
export function knownProvider(providers: OidcProviders, name: string): OidcProvider {
  const provider = providers.get(name);
  if (!provider) throw new TrellisError(404, "unknown_provider", "There is no sign-in provider of this name");
  return provider;
}

/** 503 while the provider's client secret variable is not set (a warning at start in development). */
export function requireReady(provider: OidcProvider): void {
  if (!provider.ready)
    throw new TrellisError(
      503,
      "provider_not_configured",
      `Sign-in with "${provider.settings.name}" is not set up: its client secret variable (${provider.settings.clientSecretEnv}) is not set`,
    );
}
