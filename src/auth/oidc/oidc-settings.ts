/** Whether a provider may add users of its own or only sign in the ones that exist. */
export type UsersPolicy = "link" | "create";

interface ProviderBase {
  /** The `{provider}` in the URL and the `provider` column of `identities`. */
  readonly name: string;
  readonly clientId: string;
  /** The environment variable that holds the client secret; the secret itself is never in a file. */
  readonly clientSecretEnv: string;
  readonly scopes: readonly string[];
  readonly users: UsersPolicy;
}

/** An OpenID Connect issuer: its endpoints come from discovery, and the user from a signed ID token. */
export interface IssuerProvider extends ProviderBase {
  readonly kind: "issuer";
  readonly issuer: string;
}

/** A plain OAuth 2 provider in GitHub's way: endpoints written out, no ID token, the email from an endpoint of its own. */
export interface OAuth2Provider extends ProviderBase {
  readonly kind: "oauth2";
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly userinfoEndpoint: string;
  /** GitHub's `/user/emails`: a list of `{ email, primary, verified }`; without it, userinfo's `email` and `email_verified`. */
  readonly emailsEndpoint: string | undefined;
}

export type ProviderSettings = IssuerProvider | OAuth2Provider;

/** trellis.yaml's `oidc:`: sign-in through other identity providers. */
export interface OidcSettings {
  /** The exact URLs a sign-in may return the browser to. */
  readonly redirectAllow: readonly string[];
  readonly providers: ReadonlyMap<string, ProviderSettings>;
}

export const NO_OIDC: OidcSettings = { redirectAllow: [], providers: new Map() };

/** http is allowed only for a provider on this machine (a test's or a developer's); anything else must be https. */
export function isLoopbackHttp(url: URL): boolean {
  return url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}
