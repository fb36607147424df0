import { sql } from "kysely";
import { UUID } from "../auth/find-user.ts";
import { defineAction } from "./define-action.ts";

interface ListSessionsOptions {
  user: string;
  current?: string | null;
  limit?: number;
}

/** One login as its owner or an admin sees it: never a token or its hash. */
export interface SessionView {
  /** The refresh-token family: what `revoke-refresh-tokens` takes as `family`, and the access token's `sid`. */
  readonly id: string;
  readonly created_at: Date;
  /** When the login was last signed into or refreshed: the newest token of the family was issued then. */
  readonly last_used_at: Date;
  readonly expires_at: Date;
  readonly current: boolean;
}

export default defineAction<ListSessionsOptions, SessionView[]>({
  name: "list-sessions",
  readsOnly: true,
  description:
    "Lists a user's live logins (refresh-token families that can still be refreshed), most recently used first: when each began, when it was last signed into or refreshed, and when it runs out. It never returns a token or a hash. `current` marks the login whose id is given, e.g. the caller's own from `${auth.sid}`. An id that is not a UUID has no logins.",
  result: "A list of `{ id, created_at, last_used_at, expires_at, current }`; `id` is what `revoke-refresh-tokens` takes as `family`.",
  example: `# endpoints/account/devices.get.yaml
summary: Where I am signed in
allow: authenticated
steps:
  - list-sessions: { user: "\${auth.sub}", current: "\${auth.sid}", limit: 20 }
    as: sessions
response:
  headers: { Cache-Control: no-store }
  body: { sessions: "\${sessions}" }
`,
  options: {
    type: "object",
    properties: {
      user: { type: "string", maxLength: 64, description: "The user id." },
      current: { type: ["string", "null"], maxLength: 64, description: "A login id to mark `current: true`, e.g. `${auth.sid}`." },
      limit: { type: "integer", minimum: 1, maximum: 1000, default: 100, description: "At most this many, the most recently used." },
    },
    required: ["user"],
    additionalProperties: false,
  },
  async run({ db, services }, { user, current, limit = 100 }) {
    if (!UUID.test(user)) return [];
    const now = services.now();
    const rows = await db
      .selectFrom("refresh_tokens")
      .select((eb) => [
        "family_id",
        eb.fn.min("created_at").as("created_at"),
        eb.fn.max("created_at").as("last_used_at"),
        eb.fn.max("expires_at").as("expires_at"),
      ])
      .where("user_id", "=", user)
      .groupBy("family_id")
      // Live: one token of the family is neither spent nor revoked nor expired (rotation keeps at most one so).
      .having(sql<boolean>`bool_or(spent_at is null and revoked_at is null and expires_at > ${now})`)
      .orderBy("last_used_at", "desc")
      .orderBy("family_id")
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      id: row.family_id,
      created_at: row.created_at as Date,
      last_used_at: row.last_used_at as Date,
      expires_at: row.expires_at as Date,
      current: row.family_id === current,
    }));
  },
});
