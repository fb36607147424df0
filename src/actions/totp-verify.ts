import { userRow } from "../auth/find-user.ts";
import { acceptedStep, TOTP_CODE } from "../auth/totp-codes.ts";
import {
  factorWithinThrottle,
  forgetFailures,
  spendRecoveryCode,
  spendStep,
  unusedRecoveryCodes,
  wrongCode,
} from "../auth/totp-factors.ts";
import { TrellisError } from "../errors.ts";
import { defineAction } from "./define-action.ts";
import { codeThrottle, codeThrottleOptions } from "./options/code-throttle.ts";

interface TotpVerifyOptions {
  user: string;
  code: string;
  max_failures?: number;
  window?: number | string;
}

interface Verified {
  method: "totp" | "recovery_code";
  recovery_codes_left: number;
}

export default defineAction<TotpVerifyOptions, Verified>({
  name: "totp-verify",
  description: [
    "Checks a second factor of a user whose authenticator app is on: the app's current 6-digit code (or the one of the step before or after, for clocks a little off), or one of the recovery codes from `totp-confirm`. A code is good once: an app code is refused once its time step, or a later one, was used, and a recovery code is spent.",
    "A wrong code is 401 `invalid_code`, logged as `totp.failed`. Wrong codes are counted per user (not per client, since a 6-digit code falls to spread-out guessing), and past `max_failures` within `window` every code is 429 with `Retry-After`, even the right one. The count survives the request's rollback. Make it the first step that writes: guesses sent in parallel then wait for each other and are all counted. So read a sign-in ticket with `check-token` before it, and spend it with `consume-token` after it, as the shipped `POST /auth/2fa/verify` does. A user without a confirmed app is 409 `totp_not_enabled`, and a disabled account 403 `account_disabled`.",
  ].join("\n\n"),
  result:
    "`{ method, recovery_codes_left }`: `totp` or `recovery_code`, and how many unused recovery codes the user has left (to warn when few are).",
  example: `# endpoints/auth/2fa/step-up.post.yaml
summary: Prove the second factor again, for a short token that says so
allow: authenticated
input:
  body:
    code: { type: string, minLength: 6, maxLength: 32 }
steps:
  - totp-verify: { user: "\${auth.sub}", code: "\${body.code}", max_failures: 5, window: 15m }
  - sign-jwt:
      subject: "\${auth.sub}"
      claims: { email: "\${auth.email}", roles: "\${auth.roles}", sid: "\${auth.sid}", amr: [mfa, otp] }
      expires_in: 5m
    as: access
response:
  headers: { Cache-Control: no-store }
  body: { access_token: "\${access.token}", expires_in: "\${access.expires_in}" }
`,
  sealsSecrets: true,
  countsFailures: true,
  options: {
    type: "object",
    properties: {
      user: { type: "string", maxLength: 64, description: "The user id." },
      code: {
        type: "string",
        maxLength: 64,
        description: "A 6-digit code from the app, or a recovery code (dashes and case do not matter).",
      },
      ...codeThrottleOptions,
    },
    required: ["user", "code"],
    additionalProperties: false,
  },
  async run({ db, services, request }, options) {
    const { user } = options;
    const code = options.code.trim();
    const now = services.now();
    const throttle = codeThrottle(options);
    const factor = await factorWithinThrottle(db, services.secrets, user, throttle, now);
    if (!factor?.confirmed) throw notEnabled();
    // Disabling ends logins, not the sign-in tickets of the last minutes: refused here, for whoever holds one.
    const account = await userRow(db, { id: user }).select("disabled_at").executeTakeFirst();
    if (account?.disabled_at) throw new TrellisError(403, "account_disabled", "This account is disabled");
    let method: Verified["method"] | undefined;
    if (TOTP_CODE.test(code)) {
      const step = acceptedStep(factor.secret, code, now);
      if (step !== null && (await spendStep(db, user, step))) method = "totp";
    } else if (await spendRecoveryCode(db, user, code, now)) {
      method = "recovery_code";
    }
    if (!method) throw await wrongCode(db, user, throttle, now, request.ip);
    await forgetFailures(db, user);
    return { method, recovery_codes_left: await unusedRecoveryCodes(db, user) };
  },
});

const notEnabled = () => new TrellisError(409, "totp_not_enabled", "Two-factor sign-in is not turned on for this account");
