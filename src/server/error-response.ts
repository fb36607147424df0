import { randomUUID } from "node:crypto";
import { isDatabaseUnavailable } from "../db/unavailable.ts";
import { TrellisError } from "../errors.ts";
import type { AppSettings } from "../loader/load-settings.ts";
import type { Logger } from "../logger.ts";
import { createScope } from "../pipeline/scope.ts";
import { StepFault } from "../pipeline/step-fault.ts";
import { StepTimeout } from "../pipeline/step-timeout.ts";
import { SECURITY_HEADERS } from "./security-headers.ts";

export type ErrorSettings = AppSettings["errors"] & { readonly authScheme?: string };

const TRELLIS_ERRORS: ErrorSettings = { validationStatus: 400, body: undefined };

/**
 * The one place an error becomes a response: a TrellisError as its own
 * envelope; a step past its timeout as 504 `step_timeout`; the database out
 * of reach as 503 `database_unavailable`; anything else as a 500. Those three
 * carry an error id, logged beside the cause, the step's YAML position and
 * the stack (with the line of an app's action that threw), none of which
 * the client sees. An app's trellis.yaml may set the validation status and
 * the envelope's shape.
 */
export function errorResponse(error: unknown, logger: Logger, settings: ErrorSettings = TRELLIS_ERRORS): Response {
  const known = error instanceof TrellisError ? error : internalError(error, logger);
  const status = known.code === "validation_failed" ? settings.validationStatus : known.status;
  const body = settings.body ? settings.body(createScope({ error: describe(known, status) })) : known.toBody();
  // A 401 names the scheme the app takes the token in (trellis.yaml auth.schemes).
  const headers =
    settings.authScheme && known.headers["WWW-Authenticate"]
      ? { ...known.headers, "WWW-Authenticate": `${settings.authScheme} realm="trellis"` }
      : known.headers;
  return envelope(status, body, headers);
}

function internalError(error: unknown, logger: Logger): TrellisError {
  const errorId = randomUUID();
  const details = { error_id: errorId };
  const step = error instanceof StepFault || error instanceof StepTimeout ? stepFields(error) : {};
  if (error instanceof StepTimeout) {
    logger.error("step timed out", { error_id: errorId, ...step, timeout_ms: error.timeoutMs });
    return new TrellisError(504, "step_timeout", "The request took too long and was not carried out", details);
  }
  const cause = error instanceof StepFault ? error.cause : error;
  const logged = {
    error_id: errorId,
    ...step,
    ...(error instanceof StepFault && error.thrownAt ? { thrown_at: error.thrownAt } : {}),
    error: cause instanceof Error ? cause.message : String(cause),
    stack: cause instanceof Error ? cause.stack : undefined,
  };
  if (isDatabaseUnavailable(error)) {
    logger.error("database unavailable", logged);
    return new TrellisError(503, "database_unavailable", "The database is not reachable; try again shortly", details, {
      headers: { "Retry-After": "5" },
    });
  }
  logger.error("request failed", logged);
  return new TrellisError(500, "internal_error", "Something went wrong on our side", details);
}

function stepFields(error: StepFault | StepTimeout) {
  return { at: `${error.location.file}:${error.location.line}:${error.location.col}`, action: error.action };
}

/** What an app's envelope template sees as `${error}`. */
function describe(error: TrellisError, status: number) {
  const fields = error.code === "validation_failed" && error.details && typeof error.details === "object" ? error.details : undefined;
  const messages = fields ? Object.entries(fields).map(([field, message]) => `${field} ${String(message)}`) : [error.message];
  return { status, code: error.code, message: error.message, details: error.details ?? null, messages };
}

export function envelope(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", ...headers, ...SECURITY_HEADERS },
  });
}
