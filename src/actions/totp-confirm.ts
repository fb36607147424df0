import { acceptedStep } from "../auth/totp-codes.ts";
import { factorWithinThrottle, forgetFailures, replaceRecoveryCodes, spendStep, wrongCode } from "../auth/totp-factors.ts";
import { TrellisError } from "../errors.ts";
import { defineAction } from "./define-action.ts";
import { codeThrottle, codeThrottleOptions } from "./options/code-throttle.ts";

interface TotpConfirmOptions {
  user: string;
  code: string;
  recovery_codes?: number;
  max_failures?: number;
  window?: number | string;
}

export default defineAction<TotpConfirmOptions, { recovery_codes: string[] }>({
  name: "totp-confirm",
  description: [
    "Turns on the authenticator app that `totp-enrol` started, once the user sends a first code from it: from then on `find-user` says `two_factor: true`. It returns new recovery codes, each good for one sign-in without the app; they are shown only now and stored as SHA-256 hashes.",
    "Without an enrolment the answer is 409 `totp_not_enrolled`, and 409 `totp_already_enabled` once confirmed. A wrong code is 401 `invalid_code`; wrong codes are counted per user together with `totp-verify`'s, and past `max_failures` within `window` every code is 429 with `Retry-After`.",
  ].join("\n\n"),
  result: "`{ recovery_codes }`: the one-time recovery codes, like `7K3M-Q9TD-2XWA-HB6E`, to show once.",
  example: `# endpoints/auth/2fa/totp/confirm.post.yaml
summary: Turn on the authenticator app with its first code
allow: authenticated
input:
  body:
    code: { type: string, pattern: "^[0-9]{6}$" }
steps:
  - totp-confirm: { user: "\${auth.sub}", code: "\${body.code}", recovery_codes: 8 }
    as: confirmed
  - log: { event: totp.confirm, user: "\${auth.sub}" }
response:
  headers: { Cache-Control: no-store }
  body: { recovery_codes: "\${confirmed.recovery_codes}" }
`,
  sealsSecrets: true,
  countsFailures: true,
  options: {
    type: "object",
    properties: {
      user: { type: "string", maxLength: 64, description: "The user id." },
      code: { type: "string", maxLength: 64, description: "The 6-digit code the app shows now." },
      recovery_codes: {
        type: "integer",
        minimum: 1,
        maximum: 50,
        literal: true,
        default: 10,
        description: "How many recovery codes to make.",
      },
      ...codeThrottleOptions,
    },
    required: ["user", "code"],
    additionalProperties: false,
  },
  async run({ db, services, request }, options) {
    const { user, code } = options;
    const now = services.now();
    const throttle = codeThrottle(options);
    const factor = await factorWithinThrottle(db, services.secrets, user, throttle, now);
    if (!factor) throw notEnrolled();
    if (factor.confirmed)
      throw new TrellisError(409, "totp_already_enabled", "The authenticator app is already turned on for this account");
    const step = acceptedStep(factor.secret, code.trim(), now);
    if (step === null || !(await spendStep(db, user, step, { at: now, sealed: factor.sealed })))
      throw await wrongCode(db, user, throttle, now, request.ip);
    await forgetFailures(db, user);
    return { recovery_codes: await replaceRecoveryCodes(db, user, options.recovery_codes ?? 10, now) };
  },
});

const notEnrolled = () => new TrellisError(409, "totp_not_enrolled", "There is no authenticator app to confirm: start the enrolment first");
