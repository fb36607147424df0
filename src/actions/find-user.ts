import { findUser, type UserView, UUID } from "../auth/find-user.ts";
import { defineAction } from "./define-action.ts";

export default defineAction<{ id?: string; email?: string }, UserView | null>({
  name: "find-user",
  readsOnly: true,
  description:
    "Looks a user up by id or by email (trimmed, any case), never returning the password hash. `roles` is empty until the address is confirmed. `two_factor` says an authenticator app is turned on (`totp-confirm`), as the shipped login reads it to ask for a code. An id that is not a UUID finds nobody.",
  result: "`{ id, email, name, roles, confirmed, confirmed_at, disabled, two_factor, created_at }`, or `null` when there is no such user.",
  example: `# endpoints/profile.get.yaml
allow: authenticated
steps:
  - find-user: { id: "\${auth.sub}" }
    as: user
response:
  body: { name: "\${user.name}", confirmed: "\${user.confirmed}" }
`,
  options: {
    type: "object",
    properties: {
      id: { type: "string", maxLength: 64, description: "The user id." },
      email: { type: "string", maxLength: 254, description: "The email address (trimmed, any case)." },
    },
    oneOf: [{ required: ["id"] }, { required: ["email"] }],
    additionalProperties: false,
  },
  run: ({ db }, options) => {
    if (options.email !== undefined) return findUser(db, { email: options.email });
    const id = options.id ?? "";
    return UUID.test(id) ? findUser(db, { id }) : null;
  },
});
