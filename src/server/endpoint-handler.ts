import type { Context } from "hono";
import type { Outcome, Services } from "../actions/define-action.ts";
import { isDatabaseUnavailable } from "../db/unavailable.ts";
import { TrellisError, ValidationError } from "../errors.ts";
import { METHODS_WITH_BODY } from "../loader/route-from-path.ts";
import type { CompiledEndpoint } from "../pipeline/compiled-endpoint.ts";
import type { Reply } from "../pipeline/reply.ts";
import { RequestTransaction } from "../pipeline/request-transaction.ts";
import { runSteps } from "../pipeline/run-steps.ts";
import { createScope } from "../pipeline/scope.ts";
import { StepDeadline, StepTimeout } from "../pipeline/step-timeout.ts";
import { authorize, requireSecondFactor } from "../rbac/authorize.ts";
import { prepareResponse, replyResponse } from "./endpoint-response.ts";
import { resolvePrincipal } from "./principal.ts";
import { readJsonBody } from "./read-body.ts";
import { requestHeader } from "./request-header.ts";
import { requestInfo } from "./request-info.ts";
import { USER_VARIABLE } from "./request-log.ts";

export interface HandlerOptions {
  readonly authSchemes?: readonly string[];
  /** The request log (trellis dev) names the signed-in user. */
  readonly logRequests?: boolean;
}

/** Prepares one endpoint's handler: principal → authorize → input → steps (one transaction) → response. */
export function createEndpointHandler(endpoint: CompiledEndpoint, services: Services, options: HandlerOptions = {}) {
  const { input } = endpoint;
  const buildResponse = prepareResponse(endpoint.response);
  const authSchemes = options.authSchemes ?? ["Bearer"];
  const takesBody = METHODS_WITH_BODY.has(endpoint.method);
  const appInfo = Object.freeze({ public_url: services.config.publicUrl });
  // An endpoint that only answers (no steps) builds no request info, transaction or after-task list.
  const answersOnly = endpoint.steps.length === 0;

  return async function handleEndpoint(c: Context): Promise<Response> {
    const found = resolvePrincipal(requestHeader(c, "authorization"), services.keys, authSchemes);
    const principal = found instanceof Promise ? await found : found;
    if (principal && options.logRequests) c.set(USER_VARIABLE as never, principal.sub as never);
    authorize(endpoint.access, principal);
    if (endpoint.mfa) requireSecondFactor(principal);

    const params = input.params ? input.params.check({ ...c.req.param() }) : {};
    const query = input.query ? input.query.check(c.req.query()) : {};
    const rawBody = takesBody ? await readJsonBody(c, services.config.bodyLimitBytes) : undefined;
    const body = input.body ? input.body.check(rawBody ?? {}) : refuseUndeclaredBody(rawBody);

    if (answersOnly) {
      const request = endpoint.reads.has("request") ? requestInfo(c, services.config.trustProxy) : undefined;
      const now = endpoint.reads.has("now") ? services.now() : undefined;
      return buildResponse(createScope({ body, query, params, auth: principal, request, now, app: appInfo }));
    }
    const request = requestInfo(c, services.config.trustProxy);
    const scope = createScope({ body, query, params, auth: principal, request, now: services.now(), app: appInfo });
    const transaction = new RequestTransaction(services.db);
    const context = { services, request, after: transaction.after };
    const deadline = new StepDeadline(services.config.stepTimeoutMs);
    const reply = await runInTransaction(
      () => runSteps(endpoint.steps, scope, context, transaction, deadline),
      transaction,
      deadline,
      services,
    );
    return reply ? replyResponse(reply) : buildResponse(scope);
  };
}

/** An endpoint that declares no body takes none: fields sent anyway are named, not silently dropped. */
function refuseUndeclaredBody(body: unknown): Record<string, never> {
  if (body === undefined || body === null) return {};
  if (typeof body === "object" && !Array.isArray(body)) {
    const fields = Object.keys(body);
    if (fields.length === 0) return {};
    throw new ValidationError(Object.fromEntries(fields.map((field) => [field, "is not an allowed field"])));
  }
  throw new ValidationError({ body: "this endpoint takes no body" });
}

/**
 * Runs the steps, ends the transaction (committed, or rolled back when a step
 * failed; a keepWrites error commits what its step wrote) and then, whatever
 * happened, the after-tasks, told whether the writes were committed.
 *
 * After a step timed out or the database failed, the answer does not wait
 * for the rollback: the step may still be running (a statement ends when
 * PostgreSQL cancels it), and a silent server would not answer. The
 * transaction can no longer commit, and the tasks run once it has ended.
 */
async function runInTransaction(
  run: () => Promise<Reply | undefined>,
  transaction: RequestTransaction,
  deadline: StepDeadline,
  services: Services,
): Promise<Reply | undefined> {
  let reply: Reply | undefined;
  try {
    reply = await run();
  } catch (error) {
    deadline.stop();
    const keep = error instanceof TrellisError && error.keepWrites;
    if (!keep && (error instanceof StepTimeout || isDatabaseUnavailable(error))) {
      void endThenRunTasks(transaction, false, services).catch((ending: unknown) =>
        services.logger.warn("rolling back a failed request failed", { error: ending instanceof Error ? ending.message : String(ending) }),
      );
      throw error;
    }
    await endThenRunTasks(transaction, keep, services).catch((ending: unknown) => {
      throw keep ? ending : error;
    });
    throw error;
  }
  deadline.stop();
  await endThenRunTasks(transaction, true, services);
  return reply;
}

/** Ends the transaction; then, whether or not that worked, the after-tasks (one that fails is logged and changes nothing). */
async function endThenRunTasks(transaction: RequestTransaction, commit: boolean, services: Services): Promise<void> {
  let outcome: Outcome = "rolled-back";
  try {
    await transaction.end(commit);
    if (commit) outcome = "committed";
  } finally {
    await transaction.runAfterTasks(outcome, (error) =>
      services.logger.error("after-request task failed", { error: error instanceof Error ? error.message : String(error) }),
    );
  }
}
