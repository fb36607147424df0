import type { JsonSchema } from "../define-action.ts";

/** What a one-time token is for (`confirm-email`, `reset-password`…): written out, so issue and consume agree at load. */
export const purposeSchema: JsonSchema = { type: "string", pattern: "^[a-z][a-z0-9-]*$", maxLength: 50, literal: true };
