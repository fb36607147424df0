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
    "Ends the pipeline with this response instead of the file's `response:`; earlier writes are committed. Usually guarded by `when:`.",
  pure: true,
  options: {
    type: "object",
    properties: {
      status: { type: "integer", minimum: 100, maximum: 599 },
      body: {},
      headers: { type: "object", additionalProperties: { type: "string" } },
    },
    additionalProperties: false,
  },
  run: (_ctx, { status, body, headers }) => new Reply(status ?? (body === undefined ? 204 : 200), body, headers),
});
