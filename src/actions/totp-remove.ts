import { UUID } from "../auth/find-user.ts";
import { defineAction } from "./define-action.ts";

export default defineAction<{ user: string }, { removed: boolean }>({
  name: "totp-remove",
  description:
    "Turns off the user's authenticator app: its secret and every recovery code are deleted, and the user signs in with the password alone again. It checks nothing itself: put `totp-verify` before it when the user turns it off, or `allow: [admin]` on an endpoint that resets a user who lost the app.",
  result: "`{ removed }`: whether there was an app (confirmed or not) to remove.",
  example: `# endpoints/auth/2fa/totp/disable.post.yaml
summary: Turn off the authenticator app, with a current code or a recovery code
allow: authenticated
input:
  body:
    code: { type: string, minLength: 6, maxLength: 32 }
steps:
  - totp-verify: { user: "\${auth.sub}", code: "\${body.code}" }
  - totp-remove: { user: "\${auth.sub}" }
  - log: { event: totp.disable, user: "\${auth.sub}" }
response:
  status: 204
`,
  options: {
    type: "object",
    properties: { user: { type: "string", maxLength: 64, description: "The user id." } },
    required: ["user"],
    additionalProperties: false,
  },
  async run({ db }, { user }) {
    if (!UUID.test(user)) return { removed: false };
    await db.deleteFrom("totp_recovery_codes").where("user_id", "=", user).execute();
    const result = await db.deleteFrom("totp_factors").where("user_id", "=", user).executeTakeFirst();
    return { removed: Number(result.numDeletedRows) > 0 };
  },
});
