import { passwordProblem } from "../auth/password-policy.ts";
import { hashPassword } from "../auth/passwords.ts";
import { ValidationError } from "../errors.ts";
import { defineAction } from "./define-action.ts";

interface HashPasswordOptions {
  password: string;
  email?: string;
  field?: string;
}

export default defineAction<HashPasswordOptions, string>({
  name: "hash-password",
  description: [
    "Checks a new password against the password policy, then hashes it with bcrypt, at cost `BCRYPT_COST` (12 by default), and returns the hash to store in `users.password_hash`. The hashing runs in worker threads, so it does not stall other requests.",
    "The policy: `PASSWORD_MIN_BYTES` to `PASSWORD_MAX_BYTES` bytes in UTF-8 (8 to 72 by default; bcrypt reads no more than 72), not the account's own `email` in any case, and, with `PASSWORD_REFUSE_COMMON=true`, none of the ~49,000 passwords most often found in leaks. A password that breaks it is 400 `validation_failed` naming `field`, before any hashing.",
  ].join("\n\n"),
  result: "The bcrypt hash, a text.",
  example: `# endpoints/account/password.post.yaml
summary: Set a new password, after the current one
allow: authenticated
input:
  body:
    current_password: { type: string, minLength: 1, maxBytes: 72 }
    new_password: { type: string, maxBytes: 72 }
steps:
  - authenticate: { user: "\${auth.sub}", password: "\${body.current_password}" }
    as: user
  - hash-password: { password: "\${body.new_password}", email: "\${user.email}", field: new_password }
    as: password_hash
  - db.update: { table: users, set: { password_hash: "\${password_hash}", updated_at: "\${now}" }, where: { id: "\${auth.sub}" } }
response:
  body: { message: Your password is changed. }
`,
  pure: true,
  options: {
    type: "object",
    properties: {
      // No length limits here: the policy's checks answer 400 naming the field, where a bad option would be a 500.
      password: { type: "string", description: "The new password." },
      email: { type: "string", description: "The account's email address: a password equal to it (in any case) is refused." },
      field: {
        type: "string",
        minLength: 1,
        literal: true,
        default: "password",
        description: "The input field the password came from, named in the error's `details`.",
      },
    },
    required: ["password"],
    additionalProperties: false,
  },
  async run({ services }, { password, email, field = "password" }) {
    const problem = await passwordProblem(password, services.config.password, email);
    if (problem) throw new ValidationError({ [field]: problem });
    return hashPassword(password, services.config.bcryptCost);
  },
});
