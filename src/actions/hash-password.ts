import { hashPassword } from "../auth/passwords.ts";
import { defineAction } from "./define-action.ts";

export default defineAction<{ password: string }, string>({
  name: "hash-password",
  description: "Hashes a password with bcrypt (cost BCRYPT_COST, 12 by default) and returns the hash, to store in users.password_hash.",
  pure: true,
  options: {
    type: "object",
    properties: { password: { type: "string", minLength: 1, maxBytes: 72 } },
    required: ["password"],
    additionalProperties: false,
  },
  run: ({ services }, { password }) => hashPassword(password, services.config.bcryptCost),
});
