import { admitAttempt } from "../auth/attempts-in-flight.ts";
import { findUser, type UserKey, type UserView, UUID, userRow } from "../auth/find-user.ts";
import { normalizeEmail } from "../auth/normalize-email.ts";
import { rehashIfNeeded, verifyPassword } from "../auth/passwords.ts";
import { clearHits, countHits, enforceLimit, recordHit, tooManyRequests } from "../auth/rate-limit-store.ts";
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

interface Checked {
  readonly who: UserKey;
  readonly key: string;
  readonly userId: string | undefined;
  readonly ok: boolean;
  /** The stored hash, and the same password hashed at BCRYPT_COST when that differs from the stored hash's cost. */
  readonly rehash: { readonly from: string; readonly to: string | undefined } | undefined;
}

export default defineAction<AuthenticateOptions, UserView, Checked>({
  name: "authenticate",
  description: [
    "Checks a password for the user with this email, or with this id, and returns the user (as `find-user` does). A wrong password and an unknown email give the same 401 `invalid_credentials`, alike in body and timing.",
    "A disabled account (see `PUT /admin/users/{id}/disabled`) with the right password is 403 `account_disabled`; with a wrong one it is the same 401 as any other, so disabling an account tells a guesser nothing.",
    "Failures are counted per email (or id) and client IP. After `max_failures` of them within `window`, the answer is 429 with `Retry-After`, even for the right password. A success clears the count. Each failure is logged as `login.failed`, and the log row survives the rollback.",
    'To ask a signed-in user for their password again (as the shipped `change-password` does), pass `user: "${auth.sub}"` instead of `email`.',
  ].join("\n\n"),
  result: "The user, as `find-user` returns it: `{ id, email, name, roles, confirmed, confirmed_at, disabled, two_factor, created_at }`.",
  example: `# endpoints/auth/check-password.post.yaml
allow: public
input:
  body:
    email: { type: string, transform: [trim, toLowerCase], maxLength: 254 }
    password: { type: string, minLength: 1, maxBytes: 72 }
steps:
  - authenticate: { email: "\${body.email}", password: "\${body.password}", max_failures: 10, window: 30m }
    as: user
response:
  body: { id: "\${user.id}", roles: "\${user.roles}" }
`,
  countsFailures: true,
  options: {
    type: "object",
    properties: {
      email: { type: "string", maxLength: 254, description: "The email address (trimmed, any case)." },
      user: { type: "string", maxLength: 64, description: "The user id." },
      password: { type: "string", maxBytes: 72, description: "The password to check." },
      max_failures: {
        type: "integer",
        minimum: 1,
        maximum: 1000,
        literal: true,
        default: 5,
        description: "Failures allowed per email (or id) and IP within `window`.",
      },
      window: { ...durationSchema, default: "15m", description: "How long a failure counts." },
    },
    required: ["password"],
    oneOf: [{ required: ["email"] }, { required: ["user"] }],
    additionalProperties: false,
  },
  // The compare (a quarter second of bcrypt at cost 12) holds no database connection: the transaction begins after it.
  async prepare({ db, services, request, after }, options) {
    const who: UserKey = options.email !== undefined ? { email: normalizeEmail(options.email) } : { id: options.user ?? "" };
    const key = `login:${"email" in who ? who.email : who.id}:${request.ip ?? "-"}`;
    const limit = options.max_failures ?? 5;
    const window = durationSeconds(options.window ?? "15m");
    const failures = async () => {
      const now = services.now();
      const { hits, oldest } = await countHits(db, key, window, now);
      if (hits >= limit) throw tooManyRequests(oldest, window, now);
      return hits;
    };
    // Outside a transaction, attempts on one key take turns (see admitAttempt). Inside one, waiting for another
    // attempt could wait for this very connection (the embedded database has one), so the database lock alone counts.
    if (db === services.db) after(await admitAttempt(key, limit, failures));
    else await failures();
    const found = "id" in who && !UUID.test(who.id) ? undefined : await userRow(db, who).select(["id", "password_hash"]).executeTakeFirst();
    const cost = services.config.bcryptCost;
    const stored = found?.password_hash ?? null;
    const ok = (await verifyPassword(options.password, stored, cost)) && found !== undefined;
    const rehash = ok && stored ? { from: stored, to: await rehashIfNeeded(options.password, stored, cost) } : undefined;
    return { who, key, userId: found?.id, ok, rehash };
  },
  async run({ db, services, request }, options, { who, key, userId, ok, rehash }) {
    const now = services.now();
    // Counted again under the key's lock: of concurrent attempts, only as many as the limit get an answer.
    const window = durationSeconds(options.window ?? "15m");
    await enforceLimit(db, key, options.max_failures ?? 5, window, now);
    if (!ok || userId === undefined) {
      await recordHit(db, key, window, now);
      // Only an address that looks like one is logged: people paste passwords into the email field.
      const email = "email" in who && LOOKS_LIKE_EMAIL.test(who.email) ? { email: who.email } : {};
      await writeLog(db, { event: "login.failed", user: userId ?? null, ip: request.ip, data: email });
      throw new TrellisError(401, "invalid_credentials", "The email or password is wrong", undefined, { keepWrites: true });
    }
    await clearHits(db, key);
    if (rehash?.to) {
      // Unless the password changed meanwhile.
      await db
        .updateTable("users")
        .set({ password_hash: rehash.to })
        .where("id", "=", userId)
        .where("password_hash", "=", rehash.from)
        .execute();
    }
    const user = await findUser(db, { id: userId });
    if (!user) throw new TrellisError(401, "invalid_credentials", "The email or password is wrong");
    // Told only to someone who knows the password, so disabling an account reveals nothing to a guesser.
    // Read here, in the transaction, so an account disabled during the password compare is refused too.
    if (user.disabled) throw new TrellisError(403, "account_disabled", "This account is disabled");
    return user;
  },
});

const LOOKS_LIKE_EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
