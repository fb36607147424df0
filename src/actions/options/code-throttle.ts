import type { CodeThrottle } from "../../auth/totp-factors.ts";
import type { JsonSchema } from "../define-action.ts";
import { durationSchema, durationSeconds } from "./duration.ts";

/** `max_failures` and `window`, as `authenticate` names them: the wrong codes a user may send before all are refused for a while. */
export const codeThrottleOptions: Record<string, JsonSchema> = {
  max_failures: {
    type: "integer",
    minimum: 1,
    maximum: 100,
    literal: true,
    default: 5,
    description: "Wrong codes allowed per user within `window`; past them every code is refused with 429, even the right one.",
  },
  window: { ...durationSchema, default: "15m", description: "How long a wrong code counts." },
};

export const codeThrottle = (options: { max_failures?: number; window?: number | string }): CodeThrottle => ({
  limit: options.max_failures ?? 5,
  windowSeconds: durationSeconds(options.window ?? "15m"),
});
