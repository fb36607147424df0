import { Hono } from "hono";
import { cors } from "hono/cors";
import type { Services } from "../actions/define-action.ts";
import { TrellisError } from "../errors.ts";
import type { LoadedApp } from "../loader/load-app.ts";
import { compareSpecificity, withPrefix } from "../loader/route-from-path.ts";
import { mountApiDocs } from "./api-docs.ts";
import { createEndpointHandler } from "./endpoint-handler.ts";
import { errorResponse } from "./error-response.ts";
import { healthHandler } from "./health.ts";
import { createOpenApiDocument, documentServerUrl, withServer } from "./openapi.ts";
import { requestLog } from "./request-log.ts";

/**
 * One loaded app → one Hono app. Built anew on every reload and swapped in
 * whole, so a request sees either the old route table or the new one.
 */
export function buildRouter(app: LoadedApp, services: Services, options: { logRequests?: boolean } = {}): Hono {
  const router = new Hono();
  if (options.logRequests) router.use(requestLog(services.logger));
  router.use(async function securityHeaders(c, next) {
    await next();
    c.res.headers.set("X-Content-Type-Options", "nosniff");
  });

  if (app.settings.cors) router.use(corsFor(app.settings.cors));

  router.get("/healthz", healthHandler(services));
  if (services.keys.jwks) {
    const jwks = services.keys.jwks;
    router.get("/.well-known/jwks.json", (c) => c.json(jwks, 200, { "Cache-Control": "public, max-age=300" }));
  }

  const openapi = createOpenApiDocument(app);
  router.get("/openapi.json", (c) => c.json(withServer(openapi, documentServerUrl(c.req.url, services.config))));
  mountApiDocs(router, openapi.info.title);

  const { prefix } = app.settings;
  const errors = { ...app.settings.errors, authScheme: app.settings.authSchemes[0] };
  const methodsByPattern = new Map<string, Set<string>>();
  const ordered = [...app.endpoints].sort((a, b) => compareSpecificity(a.pattern, b.pattern));
  for (const endpoint of ordered) {
    const pattern = withPrefix(prefix, endpoint.pattern);
    router.on(endpoint.method.toUpperCase(), pattern, createEndpointHandler(endpoint, services, app.settings.authSchemes));
    const methods = methodsByPattern.get(pattern) ?? new Set<string>();
    methods.add(endpoint.method.toUpperCase());
    methodsByPattern.set(pattern, methods);
  }
  // Registered after every method route, so these answer only when no method matched.
  for (const [pattern, methods] of methodsByPattern) {
    const allow = [...methods, ...(methods.has("GET") ? ["HEAD"] : [])].sort().join(", ");
    router.all(pattern, () => {
      throw new TrellisError(405, "method_not_allowed", `This path accepts ${allow}`, undefined, { headers: { Allow: allow } });
    });
  }

  router.notFound(() => errorResponse(new TrellisError(404, "not_found", "No such route"), services.logger, errors));
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
