import { findUser, type UserView, UUID } from "../auth/find-user.ts";
import { defineAction } from "./define-action.ts";

export default defineAction<{ id?: string; email?: string }, UserView | null>({
  name: "find-user",
  description:
    "Looks a user up by id or email (trimmed, any case); returns `{ id, email, name, roles, confirmed, confirmed_at, created_at }` or null. `roles` is empty until the email is confirmed. Never returns the password hash.",
  options: {
    type: "object",
    properties: { id: { type: "string", maxLength: 64 }, email: { type: "string", maxLength: 254 } },
    oneOf: [{ required: ["id"] }, { required: ["email"] }],
    additionalProperties: false,
  },
  run: ({ db }, options) => {
    if (options.email !== undefined) return findUser(db, { email: options.email });
    const id = options.id ?? "";
    return UUID.test(id) ? findUser(db, { id }) : null;
  },
});
