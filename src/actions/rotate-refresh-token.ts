import { hashToken } from "../auth/opaque-token.ts";
import { type IssuedRefreshToken, issueRefreshToken, revokeFamily } from "../auth/refresh-tokens.ts";
import { writeLog } from "../db/write-log.ts";
import { TrellisError } from "../errors.ts";
import { defineAction } from "./define-action.ts";

const invalid = (keepWrites = false) =>
  new TrellisError(401, "invalid_refresh_token", "The refresh token is not valid", undefined, { keepWrites });

/** Told only to the holder of one of the account's refresh tokens. */
const disabled = () => new TrellisError(403, "account_disabled", "This account is disabled");

export default defineAction<{ token: string }, IssuedRefreshToken & { user_id: string }>({
  name: "rotate-refresh-token",
  description:
    "Spends a refresh token and issues the next one of the same login, atomically: two concurrent uses cannot both succeed. An unknown, expired, revoked or spent token is 401 `invalid_refresh_token`. A spent token presented again also revokes the whole login (reuse detection), and logs `refresh.reuse`. Any token of a disabled account is 403 `account_disabled`. The next token keeps the login's `amr` (see `issue-refresh-token`).",
  result:
    "`{ token, user_id, family_id, expires_at, amr }`: the next refresh token of the login, whose it is, and how the login was proven (`[]` for logins from before `amr` was kept).",
  example: `# endpoints/auth/renew.post.yaml
summary: Trade a refresh token for a new pair
allow: public
input:
  body:
    refresh_token: { type: string, minLength: 1, maxLength: 200 }
steps:
  - rotate-refresh-token: { token: "\${body.refresh_token}" }
    as: refresh
  - find-user: { id: "\${refresh.user_id}" }
    as: user
  - sign-jwt:
      subject: "\${user.id}"
      claims: { email: "\${user.email}", roles: "\${user.roles}", sid: "\${refresh.family_id}", amr: "\${refresh.amr}" }
    as: access
response:
  headers: { Cache-Control: no-store }
  body: { access_token: "\${access.token}", refresh_token: "\${refresh.token}", expires_in: "\${access.expires_in}" }
`,
  options: {
    type: "object",
    properties: { token: { type: "string", minLength: 1, maxLength: 200, description: "The refresh token, as the client sends it." } },
    required: ["token"],
    additionalProperties: false,
  },
  async run({ db, services, request }, { token }) {
    const now = services.now();
    const hash = hashToken(token);
    const spent = await db
      .updateTable("refresh_tokens")
      .set({ spent_at: now })
      .where("token_hash", "=", hash)
      .where("spent_at", "is", null)
      .where("revoked_at", "is", null)
      .where("expires_at", ">", now)
      // Disabling revokes every login, but an account disabled by other means (SQL, a custom action) is refused too.
      .where(({ exists, selectFrom }) =>
        exists(
          selectFrom("users").select("users.id").whereRef("users.id", "=", "refresh_tokens.user_id").where("users.disabled_at", "is", null),
        ),
      )
      .returning(["user_id", "family_id", "amr"])
      .executeTakeFirst();
    if (spent) {
      const ttl = services.config.jwt.refreshTtlSeconds;
      const next = await issueRefreshToken(db, spent.user_id, spent.family_id, now, ttl, spent.amr ?? []);
      return { ...next, user_id: spent.user_id };
    }

    const known = await db
      .selectFrom("refresh_tokens")
      .innerJoin("users", "users.id", "refresh_tokens.user_id")
      .select([
        "refresh_tokens.user_id",
        "refresh_tokens.family_id",
        "refresh_tokens.spent_at",
        "refresh_tokens.revoked_at",
        "users.disabled_at",
      ])
      .where("refresh_tokens.token_hash", "=", hash)
      .executeTakeFirst();
    if (known?.disabled_at) throw disabled();
    if (known?.spent_at && !known.revoked_at) {
      // Someone holds a token that was already used: a thief or the victim. End that login for both, and keep that.
      await revokeFamily(db, known.family_id, now);
      await writeLog(db, { event: "refresh.reuse", user: known.user_id, ip: request.ip, data: { family_id: known.family_id } });
      throw invalid(true);
    }
    throw invalid();
  },
});
