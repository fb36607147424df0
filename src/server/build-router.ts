import { Hono } from "hono";
import { cors } from "hono/cors";
import { TrieRouter } from "hono/router/trie-router";
import type { Services } from "../actions/define-action.ts";
import { TrellisError } from "../errors.ts";
import type { LoadedApp } from "../loader/load-app.ts";
import { compareSpecificity, withPrefix } from "../loader/route-from-path.ts";
import { mountAdminPage } from "./admin-page.ts";
import { mountApiDocs } from "./api-docs.ts";
import { createEndpointHandler } from "./endpoint-handler.ts";
import { errorResponse } from "./error-response.ts";
import { healthHandler } from "./health.ts";
import { createOpenApiDocument, documentServerUrl, type OpenApiDocument, withServer } from "./openapi.ts";
import { requestLog } from "./request-log.ts";
import { SECURITY_HEADERS } from "./security-headers.ts";

/**
 * One loaded app → one Hono app. Built anew on every reload and swapped in
 * whole, so a request sees either the old route table or the new one.
 */
export function buildRouter(app: LoadedApp, services: Services, options: { logRequests?: boolean; rebuiltOften?: boolean } = {}): Hono {
  const router = options.rebuiltOften ? new Hono({ router: new TrieRouter() }) : new Hono();
  if (options.logRequests) router.use(requestLog(services.logger));
  if (app.settings.cors) {
    // The preflight answers that the CORS middleware makes itself take the headers prepared here.
    router.use(function preflightHeaders(c, next) {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) c.header(name, value);
      return next();
    });
    router.use(corsFor(app.settings.cors));
  }

  router.get("/healthz", healthHandler(services));
  if (services.keys.jwks) {
    const jwks = services.keys.jwks;
    router.get("/.well-known/jwks.json", (c) => c.json(jwks, 200, { "Cache-Control": "public, max-age=300", ...SECURITY_HEADERS }));
  }

  // Built on the first request for it, not on every reload of `trellis dev`.
  let openapi: OpenApiDocument | undefined;
  const document = () => {
    openapi ??= createOpenApiDocument(app);
    return openapi;
  };
  router.get("/openapi.json", (c) => c.json(withServer(document(), documentServerUrl(c.req.url, services.config)), 200, SECURITY_HEADERS));
  mountApiDocs(router, () => document().info.title);

  const { prefix } = app.settings;
  const errors = { ...app.settings.errors, authScheme: app.settings.authSchemes[0] };
  const ordered = [...app.endpoints].sort((a, b) => compareSpecificity(a.pattern, b.pattern));
  for (const endpoint of ordered) {
    const pattern = withPrefix(prefix, endpoint.pattern);
    const handler = createEndpointHandler(endpoint, services, {
      authSchemes: app.settings.authSchemes,
      logRequests: options.logRequests ?? false,
    });
    router.on(endpoint.method.toUpperCase(), pattern, handler);
  }
  // After the endpoints, so an app's own GET /admin wins over the page.
  if (app.settings.adminPage) mountAdminPage(router, { prefix, authScheme: app.settings.authSchemes[0] ?? "Bearer" });
  const allowedMethods = methodsOfPaths(ordered.map((endpoint) => [withPrefix(prefix, endpoint.pattern), endpoint.method.toUpperCase()]));

  router.notFound((c) => {
    const allow = allowedMethods(c.req.path);
    const error = allow
      ? new TrellisError(405, "method_not_allowed", `This path accepts ${allow}`, undefined, { headers: { Allow: allow } })
      : new TrellisError(404, "not_found", "No such route");
    return errorResponse(error, services.logger, errors);
  });
  router.onError((error) => errorResponse(error, services.logger, errors));
  return router;
}

/** trellis.yaml `cors:` → Hono's CORS middleware: tokens travel in a header, so no cookies (credentials) are allowed. */
function corsFor(settings: NonNullable<LoadedApp["settings"]["cors"]>) {
  return cors({
    origin: settings.origins === "*" ? "*" : [...settings.origins],
    allowMethods: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"],
    allowHeaders: ["Authorization", "Content-Type"],
    exposeHeaders: ["Location", "Retry-After", "WWW-Authenticate"],
    maxAge: settings.maxAgeSeconds,
  });
}

/**
 * For a request no route took: the `Allow` header of its path when some
 * method is served there (405), else undefined (404). A router of its own,
 * built on the first such request, so the main router holds only the
 * endpoints and stays quick to build on every reload.
 */
function methodsOfPaths(routes: readonly (readonly [pattern: string, method: string])[]): (path: string) => string | undefined {
  let byPath: TrieRouter<Set<string>> | undefined;
  return (path) => {
    if (!byPath) {
      byPath = new TrieRouter<Set<string>>();
      const methods = new Map<string, Set<string>>();
      for (const [pattern, method] of routes) {
        const set = methods.get(pattern) ?? new Set<string>();
        if (set.size === 0) {
          methods.set(pattern, set);
          byPath.add("ALL", pattern, set);
        }
        set.add(method);
        if (method === "GET") set.add("HEAD");
      }
    }
    const found = new Set(byPath.match("ALL", path)[0].flatMap(([set]) => [...set]));
    return found.size > 0 ? [...found].sort().join(", ") : undefined;
  };
}
