import http from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

export interface IssuerAccount {
  email: string;
  email_verified: boolean;
  name?: string;
}

export interface IssuerClient {
  readonly client_id: string;
  readonly client_secret: string;
  readonly redirect_uris: readonly string[];
}

/** A real OpenID Connect provider (oidc-provider) on a loopback port, with a login that signs in as `signInAs`. */
export interface TestIssuer {
  readonly url: string;
  readonly accounts: Map<string, IssuerAccount>;
  /** The account the next interaction signs in as (the provider's login page, answered at once). */
  signInAs: string;
  /** GitHub's /user/emails answer for an account; by default its one address, primary. */
  readonly githubEmails: Map<string, { email: string; primary: boolean; verified: boolean }[]>;
  close(): Promise<void>;
}

/**
 * Besides the provider's own endpoints, the server answers GitHub's two API
 * calls for a plain OAuth 2 client: `GET /github/user` and
 * `GET /github/user/emails`, for a bearer access token this provider issued.
 */
export async function startIssuer(clients: readonly IssuerClient[]): Promise<TestIssuer> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const accounts = new Map<string, IssuerAccount>();
  const githubEmails = new Map<string, { email: string; primary: boolean; verified: boolean }[]>();
  const provider = new Provider(url, {
    clients: clients.map((client) => ({
      ...client,
      token_endpoint_auth_method: "client_secret_post",
      grant_types: ["authorization_code"],
      response_types: ["code"],
    })),
    findAccount: (_ctx: unknown, id: string) => {
      const account = accounts.get(id);
      return account && { accountId: id, claims: () => ({ sub: id, ...account }) };
    },
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    scopes: ["openid", "offline_access", "read:user", "user:email"],
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    cookies: { keys: ["a cookie key for the test provider only"] },
    pkce: { required: () => true },
  });
  const issuer: TestIssuer = {
    url,
    accounts,
    githubEmails,
    signInAs: "",
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const callback = provider.callback();
  server.on("request", (req, res) => {
    const path = req.url ?? "/";
    if (path.startsWith("/interaction/")) void finishInteraction(provider, issuer, req, res);
    else if (path.startsWith("/github/")) void answerGithubApi(provider, issuer, req, res);
    else callback(req, res);
  });
  return issuer;
}

/** The login and consent pages, answered at once: the user signs in as `signInAs` and grants what was asked. */
async function finishInteraction(provider: Provider, issuer: TestIssuer, req: http.IncomingMessage, res: http.ServerResponse) {
  const details = await provider.interactionDetails(req, res);
  const grant = new provider.Grant({ accountId: issuer.signInAs, clientId: details.params.client_id });
  grant.addOIDCScope(String(details.params.scope ?? ""));
  const grantId = await grant.save();
  await provider.interactionFinished(
    req,
    res,
    { login: { accountId: issuer.signInAs }, consent: { grantId } },
    { mergeWithLastSubmission: false },
  );
}

async function answerGithubApi(provider: Provider, issuer: TestIssuer, req: http.IncomingMessage, res: http.ServerResponse) {
  const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? "")?.[1];
  const found = token ? await provider.AccessToken.find(token) : undefined;
  const account = found ? issuer.accounts.get(found.accountId) : undefined;
  const send = (status: number, body: unknown) => {
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body));
  };
  if (!found || !account) return send(401, { message: "Bad credentials" });
  if (req.url === "/github/user")
    return send(200, {
      id: Number(found.accountId.replace(/\D/g, "")) || 1,
      login: found.accountId,
      name: account.name ?? null,
      email: null,
    });
  if (req.url === "/github/user/emails")
    return send(
      200,
      issuer.githubEmails.get(found.accountId) ?? [{ email: account.email, primary: true, verified: account.email_verified }],
    );
  return send(404, { message: "Not Found" });
}
