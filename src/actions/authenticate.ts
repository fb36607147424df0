import { findUser, type UserKey, type UserView, UUID, userRow } from "../auth/find-user.ts";
import { normalizeEmail } from "../auth/normalize-email.ts";
import { verifyPassword } from "../auth/passwords.ts";
import { clearHits, enforceLimit, recordHit } from "../auth/rate-limit-store.ts";
import { writeLog } from "../db/write-log.ts";
import { TrellisError } from "../errors.ts";
import { defineAction } from "./define-action.ts";
import { durationSchema, durationSeconds } from "./options/duration.ts";

interface AuthenticateOptions {
  email?: string;
  user?: string;
  password: string;
  max_failures?: number;
  window?: number | string;
}

export default defineAction<AuthenticateOptions, UserView>({
  name: "authenticate",
  description:
    "Checks a password for the user with this email (or id) and returns the user with roles; otherwise 401 invalid_credentials, alike for an unknown email and a wrong password, in body and timing. After `max_failures` failures from one address in `window`, 429 with Retry-After.",
  options: {
    type: "object",
    properties: {
      email: { type: "string", maxLength: 254 },
      user: { type: "string", maxLength: 64 },
      password: { type: "string", maxBytes: 72 },
      max_failures: { type: "integer", minimum: 1, maximum: 1000, literal: true },
      window: durationSchema,
    },
    required: ["password"],
    oneOf: [{ required: ["email"] }, { required: ["user"] }],
    additionalProperties: false,
  },
  async run({ db, services, request }, options) {
    const { max_failures: maxFailures = 5, window = "15m" } = options;
    const who: UserKey = options.email !== undefined ? { email: normalizeEmail(options.email) } : { id: options.user ?? "" };
    const key = `login:${"email" in who ? who.email : who.id}:${request.ip ?? "-"}`;
    const now = services.now();
    await enforceLimit(db, key, maxFailures, durationSeconds(window), now);

    const found = "id" in who && !UUID.test(who.id) ? undefined : await userRow(db, who).select(["id", "password_hash"]).executeTakeFirst();
    const ok = await verifyPassword(options.password, found?.password_hash, services.config.bcryptCost);
    if (!found || !ok) {
      await recordHit(db, key, now);
      // Only an address that looks like one is logged: people paste passwords into the email field.
      const email = "email" in who && LOOKS_LIKE_EMAIL.test(who.email) ? { email: who.email } : {};
      await writeLog(db, { event: "login.failed", user: found?.id ?? null, ip: request.ip, data: email });
      throw new TrellisError(401, "invalid_credentials", "The email or password is wrong", undefined, { keepWrites: true });
    }
    await clearHits(db, key);
    const user = await findUser(db, { id: found.id });
    if (!user) throw new TrellisError(401, "invalid_credentials", "The email or password is wrong");
    return user;
  },
});

const LOOKS_LIKE_EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
