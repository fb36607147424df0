import { writeLog } from "../db/write-log.ts";
import { defineAction } from "./define-action.ts";

interface LogOptions {
  event: string;
  user?: string | null;
  data?: Record<string, unknown>;
}

/** Field names whose values never reach a log line or the log table, however they are nested. */
const SECRET_FIELD = /pass(word)?|token|secret|hash|authorization|cookie|api[_-]?key/i;

function redact(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[key] = SECRET_FIELD.test(key) ? "[redacted]" : redact(item, depth + 1);
  return out;
}

export default defineAction<LogOptions>({
  name: "log",
  description:
    'Records an event: it writes a row in the `log` table (`event`, `user_id`, the client `ip`, `data`) in the request\'s transaction, and a structured line on stdout once the transaction commits. Values under keys that look secret are replaced by `"[redacted]"`, at any depth: keys that contain `pass`, `token`, `secret`, `hash`, `authorization`, `cookie` or `api_key`, in any case.',
  result: "Nothing.",
  example: `# endpoints/invite.post.yaml
allow: authenticated
input:
  body:
    email: { type: string, format: email }
steps:
  - log: { event: invite.sent, user: "\${auth.sub}", data: { email: "\${body.email}" } }
`,
  options: {
    type: "object",
    properties: {
      event: {
        type: "string",
        pattern: "^[a-z][a-z0-9_.-]*$",
        maxLength: 100,
        description: "The event's name, e.g. `invite.sent`: lower case, digits, `_ . -`.",
      },
      user: { type: ["string", "null"], description: "The user it concerns: a user id (uuid), or `null`." },
      data: { type: "object", description: "Anything more, stored as jsonb." },
    },
    required: ["event"],
    additionalProperties: false,
  },
  async run({ db, services, request, after }, { event, user = null, data = {} }) {
    const safe = redact(data) as Record<string, unknown>;
    await writeLog(db, { event, user, ip: request.ip, data: safe });
    // On stdout only once the row is committed: a rolled-back request logged nothing.
    after((outcome) => {
      if (outcome === "committed") services.logger.info(event, { event, user, ip: request.ip, data: safe });
    });
  },
});
