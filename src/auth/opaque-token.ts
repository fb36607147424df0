import { createHash, randomBytes } from "node:crypto";

/** 256 random bits, URL-safe: refresh tokens and one-time link tokens. */
export const newOpaqueToken = (): string => randomBytes(32).toString("base64url");

/** What is stored instead of a token: its SHA-256, so a database leak yields no usable token. */
export const hashToken = (token: string): string => createHash("sha256").update(token, "utf8").digest("hex");
