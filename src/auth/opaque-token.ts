import { createHash, randomBytes } from "node:crypto";

/** 256 random bits, URL-safe: refresh tokens, which live for weeks. */
export const newOpaqueToken = (): string => randomBytes(32).toString("base64url");

/**
 * 160 random bits, URL-safe: single-use link tokens that expire within a day.
 * Short enough that a link line stays under 76 characters, so mail carries it
 * as plain 7-bit text rather than quoted-printable (which would turn
 * `token=` into `token=3D` for anyone reading the raw message).
 */
export const newLinkToken = (): string => randomBytes(20).toString("base64url");

/** What is stored instead of a token: its SHA-256, so a database leak yields no usable token. */
export const hashToken = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex");
