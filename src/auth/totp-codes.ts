import { Secret, TOTP } from "otpauth";

/** RFC 6238 as every authenticator app reads it by default: SHA-1, 6 digits, 30-second steps. */
const PERIOD_SECONDS = 30;
const DIGITS = 6;
/** 160 bits, RFC 4226's recommended length. */
const SECRET_BYTES = 20;
/** Codes of the step before and after are taken too, for clocks a little off and codes typed at a step's end. */
const WINDOW_STEPS = 1;

export const TOTP_CODE = /^\d{6}$/;

const totpFor = (secret: string, issuer = "", label = "") =>
  new TOTP({ issuer, label, algorithm: "SHA1", digits: DIGITS, period: PERIOD_SECONDS, secret: Secret.fromBase32(secret) });

/** A new random secret, base32 as authenticator apps take it. */
export const newTotpSecret = (): string => new Secret({ size: SECRET_BYTES }).base32;

/** The `otpauth://totp/…` URI a QR code carries. */
export const totpUri = (secret: string, issuer: string, label: string): string => totpFor(secret, issuer, label).toString();

/** The time step `code` belongs to, if it is the code of the current step or one next to it; else null. */
export function acceptedStep(secret: string, code: string, now: Date): number | null {
  if (!TOTP_CODE.test(code)) return null;
  const delta = totpFor(secret).validate({ token: code, timestamp: now.getTime(), window: WINDOW_STEPS });
  return delta === null ? null : Math.floor(now.getTime() / 1000 / PERIOD_SECONDS) + delta;
}
