import { findUser, type UserView, UUID } from "../auth/find-user.ts";
import { normalizeEmail } from "../auth/normalize-email.ts";
import { verifyPassword } from "../auth/passwords.ts";
import { clearHits, enforceLimit, recordHit } from "../auth/rate-limit-store.ts";
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
  async run({ db, services, request, after }, options) {
    const { max_failures: maxFailures = 5, window = "15m" } = options;
    const who: { email: string } | { id: string } =
      options.email !== undefined ? { email: normalizeEmail(options.email) } : { id: options.user ?? "" };
    const key = `login:${"email" in who ? who.email : who.id}:${request.ip ?? "-"}`;
    const now = services.now();
    await enforceLimit(db, key, maxFailures, durationSeconds(window), now);

    const found = "id" in who && !UUID.test(who.id) ? undefined : await hashOf(db, who);
    const ok = await verifyPassword(options.password, found?.password_hash, services.config.bcryptCost);
    if (!found || !ok) {
      // The request rolls back on this error; the failure must still count and be logged.
      after(async () => {
        await recordHit(services.db, key, now);
        await services.db
          .insertInto("log")
          .values({
            event: "login.failed",
            user_id: found?.id ?? null,
            ip: request.ip,
            data: JSON.stringify("email" in who ? { email: who.email } : {}),
          })
          .execute();
      });
      throw new TrellisError(401, "invalid_credentials", "The email or password is wrong");
    }
    await clearHits(db, key);
    const user = await findUser(db, { id: found.id });
    if (!user) throw new TrellisError(401, "invalid_credentials", "The email or password is wrong");
    return user;
  },
});

async function hashOf(db: Parameters<typeof findUser>[0], who: { email: string } | { id: string }) {
  let query = db.selectFrom("users").select(["id", "password_hash"]);
  query = "id" in who ? query.where("id", "=", who.id) : query.where((eb) => eb(eb.fn("lower", ["email"]), "=", who.email));
  return query.executeTakeFirst();
}
