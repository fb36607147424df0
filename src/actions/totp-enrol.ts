import { UUID, userRow } from "../auth/find-user.ts";
import { qrDataUrl } from "../auth/qr-code.ts";
import { newTotpSecret, totpUri } from "../auth/totp-codes.ts";
import { sealContext } from "../auth/totp-factors.ts";
import { TrellisError } from "../errors.ts";
import { defineAction } from "./define-action.ts";

interface TotpEnrolOptions {
  user: string;
  issuer?: string;
  label?: string;
}

interface Enrolment {
  uri: string;
  qr: string;
  secret: string;
}

export default defineAction<TotpEnrolOptions, Enrolment>({
  name: "totp-enrol",
  description: [
    "Starts turning on two-factor sign-in with an authenticator app (TOTP, RFC 6238: SHA-1, 6 digits, 30 seconds): it makes a new random secret for the user and returns it as an `otpauth://` URI and as a QR code to scan. The secret is kept sealed with `ENCRYPTION_KEY` (AES-256-GCM), never in plain.",
    "Nothing changes at sign-in until `totp-confirm` takes a first code from the app. Enrolling again before that replaces the unconfirmed secret; once confirmed, enrolling is 409 `totp_already_enabled` (remove the factor first, with `totp-remove`).",
  ].join("\n\n"),
  result:
    "`{ uri, qr, secret }`: the `otpauth://totp/…` URI, the same as a QR code (`data:image/svg+xml;base64,…`, for an `<img src>`), and the base32 secret for typing in by hand.",
  example: `# endpoints/auth/2fa/totp.post.yaml
summary: Start turning on an authenticator app
allow: authenticated
steps:
  - totp-enrol: { user: "\${auth.sub}", issuer: Example }
    as: enrolment
  - log: { event: totp.enrol, user: "\${auth.sub}" }
response:
  headers: { Cache-Control: no-store }
  body: { uri: "\${enrolment.uri}", qr: "\${enrolment.qr}", secret: "\${enrolment.secret}" }
`,
  sealsSecrets: true,
  options: {
    type: "object",
    properties: {
      user: { type: "string", maxLength: 64, description: "The user id." },
      issuer: {
        type: "string",
        minLength: 1,
        maxLength: 100,
        default: "trellis",
        description: "The service name the authenticator app shows above the code.",
      },
      label: {
        type: "string",
        minLength: 1,
        maxLength: 254,
        description: "The account name the app shows; by default the user's email.",
      },
    },
    required: ["user"],
    additionalProperties: false,
  },
  async run({ db, services }, { user, issuer = "trellis", label }) {
    const row = UUID.test(user) ? await userRow(db, { id: user }).select("email").executeTakeFirst() : undefined;
    if (!row) throw new TrellisError(404, "user_not_found", "There is no such user");
    const secret = newTotpSecret();
    const sealed = services.secrets.seal(secret, sealContext(user));
    const now = services.now();
    // Replaces an unconfirmed secret, never a confirmed one: then no row is written.
    const written = await db
      .insertInto("totp_factors")
      .values({ user_id: user, secret_sealed: sealed, confirmed_at: null, last_used_step: null, created_at: now })
      .onConflict((oc) =>
        oc
          .column("user_id")
          .doUpdateSet({ secret_sealed: sealed, last_used_step: null, created_at: now })
          .where("totp_factors.confirmed_at", "is", null),
      )
      .executeTakeFirst();
    if (Number(written.numInsertedOrUpdatedRows) === 0) {
      throw new TrellisError(409, "totp_already_enabled", "An authenticator app is already turned on for this account: turn it off first");
    }
    const uri = totpUri(secret, issuer, label ?? row.email);
    return { uri, qr: qrDataUrl(uri), secret };
  },
});
