import * as client from "openid-client";
import { CODE_CHALLENGE_PATTERN } from "../auth/code-challenge.ts";
import { FLOW_SECONDS, storeFlow } from "../auth/oidc/oidc-flows.ts";
import type { OidcProvider } from "../auth/oidc/oidc-providers.ts";
import { knownProvider, requireReady } from "../auth/oidc/provider-for.ts";
import { stateCookie } from "../auth/oidc/state-cookie.ts";
import { TrellisError } from "../errors.ts";
import { defineAction } from "./define-action.ts";

interface OidcAuthorizeOptions {
  provider: string;
  redirect_to: string;
  code_challenge: string;
  callback_url?: string;
}

interface Prepared {
  readonly provider: OidcProvider;
  readonly configuration: client.Configuration;
}

export default defineAction<OidcAuthorizeOptions, { url: string; cookie: string; expires_at: Date }, Prepared>({
  name: "oidc-authorize",
  description: [
    "Begins a sign-in with a provider of `trellis.yaml`'s `oidc.providers`, for `oidc-callback` to finish (see [sign-in providers](sign-in-providers.md)).",
    "It checks `redirect_to` against `oidc.redirect_allow` (an exact match, or 400 `redirect_not_allowed`, before anything is stored or redirected), makes a fresh `state`, PKCE verifier and (for an OpenID Connect issuer) `nonce`, keeps them in the `oidc_flows` table for 10 minutes with the app's `code_challenge` (which `oidc-callback` hands back, to bind the sign-in code to the app that started the sign-in), and returns the provider's authorization URL with the cookie that binds the flow to this browser.",
    "An unknown provider is 404 `unknown_provider`; one whose client secret variable is not set, 503 `provider_not_configured`; an issuer whose discovery fails, 502 `provider_unavailable`.",
  ].join("\n\n"),
  result:
    "`{ url, cookie, expires_at }`: where to send the browser (`Location`), the `Set-Cookie` value to send with it (HttpOnly, SameSite=Lax, Secure under https, for the callback's path only), and when the flow expires.",
  example: `# endpoints/auth/oidc/[provider].get.yaml
summary: Sign in with a provider
allow: public
input:
  params:
    provider: { type: string, pattern: "^[a-z][a-z0-9-]*$", maxLength: 50 }
  query:
    redirect_to: { type: string, minLength: 1, maxLength: 2000 }
    code_challenge: { type: string, pattern: "^[A-Za-z0-9_-]{43}$" }
steps:
  - rate-limit: { key: "oidc-authorize:\${request.ip}", limit: 60, window: 10m }
  - oidc-authorize:
      provider: "\${params.provider}"
      redirect_to: "\${query.redirect_to}"
      code_challenge: "\${query.code_challenge}"
    as: flow
response:
  status: 302
  headers: { Location: "\${flow.url}", Set-Cookie: "\${flow.cookie}", Cache-Control: no-store }
`,
  errors: [
    {
      status: 400,
      code: "redirect_not_allowed",
      when: "`redirect_to` is not one of `oidc.redirect_allow`; nothing is stored and there is no redirect.",
    },
    { status: 404, code: "unknown_provider", when: "trellis.yaml names no provider of this name." },
    { status: 502, code: "provider_unavailable", when: "the issuer's discovery document could not be read." },
    { status: 503, code: "provider_not_configured", when: "the provider's client secret variable is not set." },
  ],
  options: {
    type: "object",
    properties: {
      provider: { type: "string", minLength: 1, maxLength: 50, description: "The provider's name under `oidc.providers`." },
      redirect_to: {
        type: "string",
        minLength: 1,
        maxLength: 2000,
        description: "Where the browser returns once signed in; one of `oidc.redirect_allow`, exactly.",
      },
      code_challenge: {
        type: "string",
        pattern: CODE_CHALLENGE_PATTERN,
        description:
          "The app's S256 code challenge, `base64url(SHA-256(code_verifier))`, of a verifier the app keeps: the code the callback issues is traded only with that verifier.",
      },
      callback_url: {
        type: "string",
        minLength: 1,
        maxLength: 2000,
        description:
          "The URL the provider sends the browser back to (registered with the provider as the redirect URI). By default `PUBLIC_URL` + this request's path + `/callback`.",
      },
    },
    required: ["provider", "redirect_to", "code_challenge"],
    additionalProperties: false,
  },
  // Discovery asks the provider over the network: before the transaction, so no database connection waits for it.
  async prepare({ services }, options) {
    const provider = knownProvider(services.oidc, options.provider);
    if (!services.oidc.redirectAllow.has(options.redirect_to))
      throw new TrellisError(400, "redirect_not_allowed", "redirect_to is not one of the addresses this app may return to", {
        redirect_to: "is not in oidc.redirect_allow",
      });
    requireReady(provider);
    return { provider, configuration: await provider.configuration() };
  },
  async run({ db, services, request }, options, { provider, configuration }) {
    const callbackUrl = options.callback_url ?? `${services.config.publicUrl}${request.path}/callback`;
    const state = client.randomState();
    const nonce = client.randomNonce();
    const codeVerifier = client.randomPKCECodeVerifier();
    const isIssuer = provider.settings.kind === "issuer";
    const url = client.buildAuthorizationUrl(configuration, {
      redirect_uri: callbackUrl,
      response_type: "code",
      scope: provider.settings.scopes.join(" "),
      state,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: "S256",
      ...(isIssuer ? { nonce } : {}),
    });
    const flow = {
      provider: provider.settings.name,
      code_verifier: codeVerifier,
      nonce,
      redirect_to: options.redirect_to,
      app_challenge: options.code_challenge,
      callback_url: callbackUrl,
    };
    const expiresAt = await storeFlow(db, state, flow, services.now());
    return { url: url.href, cookie: stateCookie(state, { callbackUrl }, FLOW_SECONDS), expires_at: expiresAt };
  },
});
