/** Every error code the engine itself produces. Apps may add their own through `fail`. */
export type ErrorCode =
  | "validation_failed"
  | "invalid_json"
  | "unsupported_media_type"
  | "payload_too_large"
  | "not_found"
  | "method_not_allowed"
  | "unauthorized"
  | "forbidden"
  | "database_unavailable"
  | "step_timeout"
  | "internal_error"
  | "account_disabled"
  | (string & {});

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/**
 * The one error type the server turns into a response. Anything else that
 * escapes a handler is a fault and becomes a 500 with an error id.
 */
export class TrellisError extends Error {
  override name = "TrellisError";
  readonly headers: Record<string, string>;
  /**
   * The request fails, but what the failing step wrote is committed (and
   * nothing earlier steps wrote): for failures that must be remembered, like
   * a failed login counted toward a lockout. See runSteps.
   */
  readonly keepWrites: boolean;

  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    options?: { cause?: unknown; headers?: Record<string, string>; keepWrites?: boolean },
  ) {
    super(message, { cause: options?.cause });
    this.headers = options?.headers ?? {};
    this.keepWrites = options?.keepWrites ?? false;
  }

  toBody(): ErrorBody {
    const error: ErrorBody["error"] = { code: this.code, message: this.message };
    if (this.details !== undefined) error.details = this.details;
    return { error };
  }
}

/** A body with thousands of bad fields gets a short answer: the first ones are enough to act on. */
const MAX_FIELDS_REPORTED = 20;

export class ValidationError extends TrellisError {
  constructor(fields: Record<string, string>) {
    super(400, "validation_failed", "The request is not valid", Object.fromEntries(Object.entries(fields).slice(0, MAX_FIELDS_REPORTED)));
  }
}

export class UnauthorizedError extends TrellisError {
  constructor(message = "A valid access token is required", code = "unauthorized") {
    super(401, code, message, undefined, { headers: { "WWW-Authenticate": 'Bearer realm="trellis"' } });
  }
}

export class ForbiddenError extends TrellisError {
  constructor(message = "You are not allowed to do this") {
    super(403, "forbidden", message);
  }
}
