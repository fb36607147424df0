import { randomUUID } from "node:crypto";
import { TrellisError } from "../errors.ts";
import type { AppSettings } from "../loader/load-settings.ts";
import type { Logger } from "../logger.ts";
import { createScope } from "../pipeline/scope.ts";
import { StepFault } from "../pipeline/step-fault.ts";
import { SECURITY_HEADERS } from "./security-headers.ts";

export type ErrorSettings = AppSettings["errors"] & { readonly authScheme?: string };

const TRELLIS_ERRORS: ErrorSettings = { validationStatus: 400, body: undefined };

/**
 * The one place an error becomes a response: a TrellisError as its own
 * envelope; anything else as a 500 whose id is logged beside the cause (and
 * the step's YAML position), and never the stack, to the client. An app's
 * trellis.yaml may set the validation status and the envelope's shape.
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
  const cause = error instanceof StepFault ? error.cause : error;
  logger.error("request failed", {
    error_id: errorId,
    ...(error instanceof StepFault
      ? { at: `${error.location.file}:${error.location.line}:${error.location.col}`, action: error.action }
      : {}),
    error: cause instanceof Error ? cause.message : String(cause),
    stack: cause instanceof Error ? cause.stack : undefined,
  });
  return new TrellisError(500, "internal_error", "Something went wrong on our side", { error_id: errorId });
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
