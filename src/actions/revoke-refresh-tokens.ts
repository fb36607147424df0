import { UUID } from "../auth/find-user.ts";
import { hashToken } from "../auth/opaque-token.ts";
import { liveFamily, revokeFamily } from "../auth/refresh-tokens.ts";
import { defineAction } from "./define-action.ts";

interface RevokeOptions {
  token?: string;
  user?: string;
  family?: string;
  except_family?: string | null;
}

export default defineAction<RevokeOptions, { revoked: number }>({
  name: "revoke-refresh-tokens",
  description:
    "Ends logins: with `token`, the login that token belongs to (logout); with `user`, every login of that user, except `except_family` if given; with `user` and `family`, that one login, if it is a live login of that user (so `${!ended.revoked}` tells a 404). An unknown token revokes nothing. Access tokens already issued stay valid until they expire.",
  result: "`{ revoked }`: how many refresh tokens were revoked.",
  example: `# endpoints/auth/sign-out-elsewhere.post.yaml
summary: End every other login of the caller
allow: authenticated
steps:
  - revoke-refresh-tokens: { user: "\${auth.sub}", except_family: "\${auth.sid}" }
    as: ended
response:
  body: { revoked: "\${ended.revoked}" }
`,
  options: {
    type: "object",
    properties: {
      token: { type: "string", maxLength: 200, description: "A refresh token: the login it belongs to ends." },
      user: { type: "string", minLength: 1, description: "A user id: every login of the user ends." },
      family: {
        type: "string",
        maxLength: 64,
        description: "With `user`: only this login ends (a family id, as `list-sessions` gives it), if it is the user's and still live.",
      },
      except_family: {
        type: ["string", "null"],
        description: 'With `user`: a family id to keep, e.g. `"${auth.sid}"`, the caller\'s own login.',
      },
    },
    oneOf: [{ required: ["token"] }, { required: ["user"] }],
    dependencies: { family: ["user"] },
    not: { required: ["family", "except_family"] },
    additionalProperties: false,
  },
  async run({ db, services }, { token, user, family, except_family }) {
    const now = services.now();
    if (token !== undefined) {
      const row = await db.selectFrom("refresh_tokens").select("family_id").where("token_hash", "=", hashToken(token)).executeTakeFirst();
      return { revoked: row ? await revokeFamily(db, row.family_id, now) : 0 };
    }
    if (family !== undefined) {
      // Someone else's login and no login at all look the same, so ids cannot be probed.
      const owned = UUID.test(family) && UUID.test(user ?? "") && (await liveFamily(db, user ?? "", family, now));
      return { revoked: owned ? await revokeFamily(db, family, now) : 0 };
    }
    let query = db
      .updateTable("refresh_tokens")
      .set({ revoked_at: now })
      .where("user_id", "=", user ?? "")
      .where("revoked_at", "is", null);
    if (except_family) query = query.where("family_id", "!=", except_family);
    const result = await query.executeTakeFirst();
    return { revoked: Number(result.numUpdatedRows) };
  },
});
