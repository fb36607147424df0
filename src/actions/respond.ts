import { Reply } from "../pipeline/reply.ts";
import { defineAction } from "./define-action.ts";

interface RespondOptions {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export default defineAction<RespondOptions>({
  name: "respond",
  description:
    "Ends the steps with this response instead of the file's `response:`. Earlier writes are **committed**, unlike with `fail`. It is usually guarded by `when:`.",
  result: "Nothing: the request ends with this response.",
  example: `# endpoints/hello-again.post.yaml
allow: public
input:
  body:
    email: { type: string, format: email }
steps:
  - find-user: { email: "\${body.email}" }
    as: user
  - respond: { status: 202, body: { message: "If the address has an account, a mail is on its way." } }
    when: "\${!user}"
  - send-mail: { to: "\${user.email}", subject: Hello, text: Hello again. }
response:
  status: 202
  body: { message: "If the address has an account, a mail is on its way." }
`,
  pure: true,
  options: {
    type: "object",
    properties: {
      status: { type: "integer", minimum: 100, maximum: 599, description: "The HTTP status; by default 200 with a body, 204 without." },
      body: { description: "Any value, sent as JSON, as the file's `response.body` would be." },
      headers: { type: "object", additionalProperties: { type: "string" }, description: "Header name → text." },
    },
    additionalProperties: false,
  },
  run: (_ctx, { status, body, headers }) => new Reply(status ?? (body === undefined ? 204 : 200), body, headers),
});
