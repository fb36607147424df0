import { Scalar } from "@scalar/hono-api-reference";
import { Hono } from "hono";
import type { Services } from "../actions/define-action.ts";
import { TrellisError } from "../errors.ts";
import type { LoadedApp } from "../loader/load-app.ts";
import { compareSpecificity } from "../loader/route-from-path.ts";
import { createEndpointHandler } from "./endpoint-handler.ts";
import { envelope, errorResponse } from "./error-response.ts";
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

  router.get("/healthz", healthHandler(services));
  if (services.keys.jwks) {
    const jwks = services.keys.jwks;
    router.get("/.well-known/jwks.json", (c) => c.json(jwks, 200, { "Cache-Control": "public, max-age=300" }));
  }

  const openapi = createOpenApiDocument(app);
  router.get("/openapi.json", (c) => c.json(withServer(openapi, documentServerUrl(c.req.url, services.config))));
  // Scalar's page loads its script from a CDN; telemetry and its AI agent are off.
  router.get("/docs", Scalar({ url: "/openapi.json", pageTitle: openapi.info.title, telemetry: false, agent: { disabled: true } }));

  const methodsByPattern = new Map<string, Set<string>>();
  const ordered = [...app.endpoints].sort((a, b) => compareSpecificity(a.pattern, b.pattern));
  for (const endpoint of ordered) {
    router.on(endpoint.method.toUpperCase(), endpoint.pattern, createEndpointHandler(endpoint, services));
    const methods = methodsByPattern.get(endpoint.pattern) ?? new Set<string>();
    methods.add(endpoint.method.toUpperCase());
    methodsByPattern.set(endpoint.pattern, methods);
  }
  // Registered after every method route, so these answer only when no method matched.
  for (const [pattern, methods] of methodsByPattern) {
    const allow = [...methods, ...(methods.has("GET") ? ["HEAD"] : [])].sort().join(", ");
    router.all(pattern, () => {
      throw new TrellisError(405, "method_not_allowed", `This path accepts ${allow}`, undefined, { headers: { Allow: allow } });
    });
  }

  router.notFound(() => envelope(404, { error: { code: "not_found", message: "No such route" } }));
  router.onError((error) => errorResponse(error, services.logger));
  return router;
}
