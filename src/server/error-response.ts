import { randomUUID } from "node:crypto";
import { TrellisError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { StepFault } from "../pipeline/step-fault.ts";

/**
 * The one place an error becomes a response: a TrellisError as its own
 * envelope; anything else as a 500 whose id is logged beside the cause (and
 * the step's YAML position), and never the stack, to the client.
 */
export function errorResponse(error: unknown, logger: Logger): Response {
  if (error instanceof TrellisError) return envelope(error.status, error.toBody(), error.headers);
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
  return envelope(500, {
    error: { code: "internal_error", message: "Something went wrong on our side", details: { error_id: errorId } },
  });
}

export function envelope(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json; charset=utf-8", ...headers },
  });
}
