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
  description: "Stops the request with an error response. Every write of earlier steps is rolled back. It is usually guarded by `when:`.",
  result: "Nothing: the request ends with the error.",
  example: `# endpoints/admin/user.get.yaml
allow: [admin]
input:
  query:
    id: { type: string, format: uuid }
steps:
  - find-user: { id: "\${query.id}" }
    as: user
  - fail: { status: 404, code: user_not_found, message: There is no such user., details: { id: "\${query.id}" } }
    when: "\${!user}"
response:
  body: "\${user}"
`,
  pure: true,
  options: {
    type: "object",
    properties: {
      status: { type: "integer", minimum: 400, maximum: 599, description: "The HTTP status." },
      code: { type: "string", pattern: "^[a-z][a-z0-9_]*$", description: "The error code, snake_case, e.g. `user_not_found`." },
      message: { type: "string", minLength: 1, description: "Text for humans." },
      details: { description: "Any value, sent as the error's `details`." },
    },
    required: ["status", "code", "message"],
    additionalProperties: false,
  },
  run(_ctx, { status, code, message, details }) {
    throw new TrellisError(status, code, message, details);
  },
});
