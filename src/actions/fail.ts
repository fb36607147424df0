import { TrellisError } from "../errors.ts";
import { defineAction } from "./define-action.ts";

interface FailOptions {
  status: number;
  code: string;
  message: string;
  details?: unknown;
}

export default defineAction<FailOptions>({
  name: "fail",
  description: "Stops the request with an error response; every write of earlier steps is rolled back. Usually guarded by `when:`.",
  pure: true,
  options: {
    type: "object",
    properties: {
      status: { type: "integer", minimum: 400, maximum: 599 },
      code: { type: "string", pattern: "^[a-z][a-z0-9_]*$" },
      message: { type: "string", minLength: 1 },
      details: {},
    },
    required: ["status", "code", "message"],
    additionalProperties: false,
  },
  run(_ctx, { status, code, message, details }) {
    throw new TrellisError(status, code, message, details);
  },
});
