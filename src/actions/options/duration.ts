import { parseDuration } from "../../config.ts";
import type { JsonSchema } from "../define-action.ts";

/** `900`, `"15m"`, `"24h"`, `"30d"`: written out, checked at load. */
export const durationSchema: JsonSchema = {
  title: "duration",
  anyOf: [
    { type: "integer", minimum: 1 },
    { type: "string", pattern: "^\\d+\\s*[smhd]?$" },
  ],
  literal: true,
};

export const durationSeconds = (value: number | string): number => (typeof value === "number" ? value : (parseDuration(value) ?? 0));
