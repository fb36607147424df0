import * as client from "openid-client";
import { TrellisError } from "../../errors.ts";
import type { ProviderIdentity } from "./link-identity.ts";
import type { Flow } from "./oidc-flows.ts";
import type { ProviderSettings } from "./oidc-settings.ts";

/** What the provider sent back to the callback. */
export interface CallbackParameters {
  readonly code: string;
  readonly state: string;
  /** RFC 9207's issuer identifier, which openid-client checks when the provider says it sends one. */
  readonly iss: string | undefined;
}

/**
 * Trades the code for tokens (with the flow's PKCE verifier) and reads who
 * signed in: from an issuer, the ID token (its nonce, issuer, audience and
 * expiry checked by openid-client) and, for a missing email, userinfo; from a
 * plain OAuth 2 provider, userinfo and its emails endpoint.
 */
export async function readIdentity(
  settings: ProviderSettings,
  config: client.Configuration,
  flow: Flow,
  parameters: CallbackParameters,
): Promise<ProviderIdentity> {
  const callback = new URL(flow.callback_url);
  callback.searchParams.set("code", parameters.code);
  callback.searchParams.set("state", parameters.state);
  if (parameters.iss !== undefined) callback.searchParams.set("iss", parameters.iss);
  try {
    if (settings.kind === "issuer") {
      const tokens = await client.authorizationCodeGrant(config, callback, {
        pkceCodeVerifier: flow.code_verifier,
        expectedState: parameters.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      const claims = tokens.claims();
      if (!claims) throw new TrellisError(401, "oidc_sign_in_failed", "The provider sent no ID token");
      const info =
        claims.email === undefined && config.serverMetadata().userinfo_endpoint
          ? await client.fetchUserInfo(config, tokens.access_token, claims.sub)
          : claims;
      return { subject: claims.sub, email: text(info.email), emailVerified: isTrue(info.email_verified), name: text(info.name) };
    }
    const tokens = await client.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: flow.code_verifier,
      expectedState: parameters.state,
    });
    const user = await getJson(config, tokens.access_token, settings.userinfoEndpoint);
    const subject = typeof user.sub === "string" || typeof user.sub === "number" ? user.sub : user.id;
    if (typeof subject !== "string" && typeof subject !== "number")
      throw new TrellisError(401, "oidc_sign_in_failed", "The provider's userinfo names no user id");
    const name = text(user.name) ?? text(user.login);
    if (!settings.emailsEndpoint)
      return { subject: String(subject), email: text(user.email), emailVerified: isTrue(user.email_verified), name };
    const emails = await getJson(config, tokens.access_token, settings.emailsEndpoint);
    const primary = Array.isArray(emails)
      ? emails.find((entry) => entry && typeof entry === "object" && entry.primary === true)
      : undefined;
    return { subject: String(subject), email: text(primary?.email), emailVerified: isTrue(primary?.verified), name };
  } catch (error) {
    throw asSignInError(error);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: a provider's JSON, read field by field with checks
async function getJson(config: client.Configuration, accessToken: string, url: string): Promise<any> {
  const headers = new Headers({ Accept: "application/json" });
  const response = await client.fetchProtectedResource(config, accessToken, new URL(url), "GET", undefined, headers);
  if (!response.ok) throw new TrellisError(502, "provider_unavailable", "The provider did not answer as expected");
  const body = await response.text();
  if (body.length > 1_000_000) throw new TrellisError(502, "provider_unavailable", "The provider did not answer as expected");
  return JSON.parse(body);
}

const text = (value: unknown): string | undefined =>
  typeof value === "string" && value.length > 0 && value.length <= 254 ? value : undefined;

// Some providers send the flag as the text "true".
const isTrue = (value: unknown): boolean => value === true || value === "true";

/** What the client is told; the cause (kept for the log) may name claims, never the code or a token. */
function asSignInError(error: unknown): TrellisError {
  if (error instanceof TrellisError) return error;
  const unreachable =
    (error instanceof TypeError && /fetch failed/i.test(error.message)) || (error instanceof Error && /Timeout|Abort/.test(error.name));
  if (unreachable) return new TrellisError(502, "provider_unavailable", "The provider could not be reached", undefined, { cause: error });
  return new TrellisError(401, "oidc_sign_in_failed", "The provider's answer could not be verified", undefined, { cause: error });
}
