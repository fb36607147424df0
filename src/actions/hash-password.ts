import { hashPassword } from "../auth/passwords.ts";
import { defineAction } from "./define-action.ts";

export default defineAction<{ password: string }, string>({
  name: "hash-password",
  description:
    "Hashes a password with bcrypt, at cost `BCRYPT_COST` (12 by default), and returns the hash to store in `users.password_hash`. The hashing runs in worker threads, so it does not stall other requests.",
  result: "The bcrypt hash, a text.",
  example: `# endpoints/account/password.post.yaml
summary: Set a new password, after the current one
allow: authenticated
input:
  body:
    current_password: { type: string, minLength: 1, maxBytes: 72 }
    new_password: { type: string, minBytes: 8, maxBytes: 72 }
steps:
  - authenticate: { user: "\${auth.sub}", password: "\${body.current_password}" }
  - hash-password: { password: "\${body.new_password}" }
    as: password_hash
  - db.update: { table: users, set: { password_hash: "\${password_hash}", updated_at: "\${now}" }, where: { id: "\${auth.sub}" } }
response:
  body: { message: Your password is changed. }
`,
  pure: true,
  options: {
    type: "object",
    properties: { password: { type: "string", minLength: 1, maxBytes: 72, description: "The password to hash." } },
    required: ["password"],
    additionalProperties: false,
  },
  run: ({ services }, { password }) => hashPassword(password, services.config.bcryptCost),
});
