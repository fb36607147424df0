import type { UserView } from "../auth/find-user.ts";
import { type ProviderIdentity, signInIdentity } from "../auth/oidc/link-identity.ts";
import { type Flow, spendFlow } from "../auth/oidc/oidc-flows.ts";
import type { OidcProvider } from "../auth/oidc/oidc-providers.ts";
import { knownProvider, requireReady } from "../auth/oidc/provider-for.ts";
import { readIdentity } from "../auth/oidc/read-identity.ts";
import { clearedStateCookie, STATE_COOKIE } from "../auth/oidc/state-cookie.ts";
import { sameText } from "../auth/same-text.ts";
import { mapDatabaseErrors } from "../db/map-database-errors.ts";
import { writeLog } from "../db/write-log.ts";
import { TrellisError } from "../errors.ts";
import { type ActionContext, defineAction } from "./define-action.ts";

interface OidcCallbackOptions {
  provider: string;
  code?: string;
  state?: string;
  iss?: string;
  error?: string;
}

interface Prepared {
  readonly provider: OidcProvider;
  readonly flow: Flow;
  readonly identity: ProviderIdentity;
}

interface CallbackResult {
  readonly user: UserView;
  readonly identity: { readonly provider: string; readonly subject: string; readonly email: string | null };
  readonly created: boolean;
  readonly linked: boolean;
  readonly redirect_to: string;
  /** The app's code challenge from `oidc-authorize`, for `issue-token`'s `challenge`. */
  readonly code_challenge: string;
  readonly clear_cookie: string;
}

export default defineAction<OidcCallbackOptions, CallbackResult, Prepared>({
  name: "oidc-callback",
  description: [
    "Finishes a sign-in that `oidc-authorize` began, when the provider sends the browser back. The `state` must match the flow's and the browser's cookie (so a callback URL sent to someone else's browser signs nobody in); the flow is spent, once, whatever happens next. The code is traded for tokens with the PKCE verifier, and the ID token's signature, issuer, audience, expiry and `nonce` are checked (openid-client); a GitHub-style provider's user comes from `userinfo_endpoint` and its verified primary email from `emails_endpoint`.",
    "The identity (provider, subject) already stored signs in its user. A new one is joined to the confirmed user with the same email only if the provider says the email is verified (else 403 `email_not_verified`); with no such user, `users: create` makes one (confirmed, role `guest`, no password) and `users: link` refuses (403 `account_not_found`). An unconfirmed account with that email is 403 `account_unconfirmed`, a disabled one 403 `account_disabled`.",
    "A bad or missing state, or a flow that expired or was spent, is 400 `invalid_state`; the provider's own refusal (`error=` in the URL) 400 `provider_refused`; an answer that fails the checks 401 `oidc_sign_in_failed`; a provider that cannot be reached 502 `provider_unavailable`. Each failure after the state check is logged as `oidc.failed` with its code, and that row survives the rollback.",
  ].join("\n\n"),
  result:
    "`{ user, identity: { provider, subject, email }, created, linked, redirect_to, code_challenge, clear_cookie }`: the user as `find-user` returns it, whether it was made or joined just now, where the browser returns to, the app's `code_challenge` from `oidc-authorize` (for `issue-token`'s `challenge`), and the `Set-Cookie` value that ends the state cookie.",
  example: `# endpoints/auth/oidc/[provider]/callback.get.yaml
summary: Where the provider sends the browser back
allow: public
input:
  params:
    provider: { type: string, pattern: "^[a-z][a-z0-9-]*$", maxLength: 50 }
  query:
    code?: { type: string, maxLength: 2000 }
    state?: { type: string, maxLength: 200 }
    iss?: { type: string, maxLength: 2000 }
    error?: { type: string, maxLength: 200 }
steps:
  - oidc-callback:
      provider: "\${params.provider}"
      code: "\${query.code}"
      state: "\${query.state}"
      iss: "\${query.iss}"
      error: "\${query.error}"
    as: signin
  - issue-token: { user: "\${signin.user.id}", purpose: oidc-sign-in, expires_in: 2m, challenge: "\${signin.code_challenge}" }
    as: code
  - log: { event: oidc.login, user: "\${signin.user.id}", data: { provider: "\${params.provider}" } }
response:
  status: 302
  headers:
    Location: "\${signin.redirect_to}?code=\${code.token}"
    Set-Cookie: "\${signin.clear_cookie}"
    Cache-Control: no-store
`,
  errors: [
    {
      status: 400,
      code: "invalid_state",
      when: "the state does not match the browser's cookie, or its sign-in expired or was finished already.",
    },
    { status: 400, code: "provider_refused", when: "the provider sent the browser back with `error=` (the user declined, say)." },
    {
      status: 401,
      code: "oidc_sign_in_failed",
      when: "the provider's answer failed a check: the code, the PKCE verifier, the ID token or its nonce.",
    },
    { status: 403, code: "email_not_verified", when: "the provider does not say the email is verified; nothing is linked or made." },
    { status: 403, code: "account_not_found", when: "no user has this email, and the provider has `users: link`." },
    { status: 403, code: "account_unconfirmed", when: "the user with this email has not confirmed it." },
    { status: 403, code: "account_disabled", when: "the account is disabled." },
    { status: 404, code: "unknown_provider", when: "trellis.yaml names no provider of this name." },
    {
      status: 409,
      code: "conflict",
      when: "another first sign-in of this identity or address finished at the same moment; signing in again works.",
    },
    { status: 502, code: "provider_unavailable", when: "the provider could not be reached." },
    { status: 503, code: "provider_not_configured", when: "the provider's client secret variable is not set." },
  ],
  options: {
    type: "object",
    properties: {
      provider: { type: "string", minLength: 1, maxLength: 50, description: "The provider's name under `oidc.providers`." },
      code: { type: "string", maxLength: 2000, description: "The authorization code from the callback URL's `code`." },
      state: { type: "string", maxLength: 200, description: "The callback URL's `state`." },
      iss: { type: "string", maxLength: 2000, description: "The callback URL's `iss` (RFC 9207), when the provider sends one." },
      error: { type: "string", maxLength: 200, description: "The callback URL's `error`, when the provider refused." },
    },
    required: ["provider"],
    additionalProperties: false,
  },
  // The code exchange asks the provider over the network: before the transaction, so no database connection waits for it.
  async prepare(ctx, options) {
    const { db, services, request } = ctx;
    const provider = knownProvider(services.oidc, options.provider);
    requireReady(provider);
    const state = options.state ?? "";
    if (!state || !sameText(state, request.cookies[STATE_COOKIE] ?? "")) throw invalidState();
    const flow = await spendFlow(db, state, provider.settings.name, services.now());
    if (!flow) throw invalidState();
    // The flow is gone for good, even when the request's transaction rolls back.
    ctx.after((outcome) =>
      outcome === "rolled-back" ? spendFlow(services.db, state, provider.settings.name, services.now()).then(() => {}) : undefined,
    );
    try {
      if (options.error !== undefined)
        throw new TrellisError(400, "provider_refused", "The provider did not sign you in", {
          provider_error: options.error.slice(0, 100),
        });
      if (!options.code) throw new TrellisError(400, "invalid_state", "The provider sent no code");
      const configuration = await provider.configuration();
      const identity = await readIdentity(provider.settings, configuration, flow, { code: options.code, state, iss: options.iss });
      return { provider, flow, identity };
    } catch (error) {
      throw failed(ctx, provider.settings.name, error);
    }
  },
  async run(ctx, _options, { provider, flow, identity }) {
    const { db, services } = ctx;
    try {
      // Two first sign-ins of one identity (or address) at once: the loser is 409 conflict, not a fault.
      const signedIn = await mapDatabaseErrors(() =>
        signInIdentity(provider.settings, identity, { db, roles: services.roles, now: services.now() }),
      );
      return {
        ...signedIn,
        identity: { provider: provider.settings.name, subject: identity.subject, email: identity.email ?? null },
        redirect_to: flow.redirect_to,
        code_challenge: flow.app_challenge,
        clear_cookie: clearedStateCookie({ callbackUrl: flow.callback_url }),
      };
    } catch (error) {
      throw failed(ctx, provider.settings.name, error);
    }
  },
});

/** Logs the failure as `oidc.failed` once the request has ended (so a rollback keeps it), and passes it on. */
function failed({ after, services, request }: ActionContext, provider: string, error: unknown): unknown {
  const code = error instanceof TrellisError ? error.code : "internal_error";
  const reason = error instanceof TrellisError && error.cause instanceof Error ? error.cause.message.slice(0, 200) : undefined;
  after(() =>
    writeLog(services.db, { event: "oidc.failed", user: null, ip: request.ip, data: { provider, code, ...(reason ? { reason } : {}) } }),
  );
  if (reason) services.logger.warn("oidc sign-in failed", { provider, code, reason });
  return error;
}

const invalidState = () =>
  new TrellisError(400, "invalid_state", "This sign-in did not start in this browser, or it has expired; start it again");
