import fs from "node:fs";
import path from "node:path";
import nodemailer, { type TransportOptions } from "nodemailer";
import type { Config } from "../config.ts";

export interface MailMessage {
  readonly id: number;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string | null;
}

/** Hands one message to the mail system; throws when it was not accepted, a MailRefused when never to be. */
export type Deliver = (message: MailMessage) => Promise<void>;

/**
 * The mail server refused this message for good: a 5xx reply (503 aside) to
 * its sender, recipient or content. RFC 5321 (4.2.1) says the same message
 * would be refused again, so it is not retried. A 5xx to the login is not
 * one: that is the server's configuration, not the message.
 */
export class MailRefused extends Error {
  override name = "MailRefused";
}

/** nodemailer's error for a reply that refused the message itself (it sets `permanent` from the reply code). */
function refusesMessage(error: unknown): boolean {
  const { code, responseCode } = (error ?? {}) as { code?: unknown; responseCode?: unknown };
  const aboutMessage = code === "EENVELOPE" || code === "EMESSAGE";
  return aboutMessage && typeof responseCode === "number" && responseCode >= 500 && responseCode < 600 && responseCode !== 503;
}

/**
 * SMTP_URL → a nodemailer SMTP transport. Without it (development), each
 * message is printed with its links and saved as an .eml under DATA_DIR/outbox.
 */
export function createDeliver(config: Config, print: (text: string) => void = (text) => process.stdout.write(text)): Deliver {
  const from = config.mail.from;
  if (config.mail.smtpUrl) {
    const options = { url: config.mail.smtpUrl, ...smtpOptions(config.mail.smtpUrl, config.mail.timeoutSeconds) };
    const transport = nodemailer.createTransport(options as TransportOptions);
    return async (message) => {
      try {
        await transport.sendMail({ from, to: message.to, subject: message.subject, text: message.text, html: message.html ?? undefined });
      } catch (error) {
        if (refusesMessage(error)) throw new MailRefused((error as Error).message, { cause: error });
        throw error;
      }
    };
  }
  const outbox = path.join(config.dataDir, "outbox");
  const writer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "unix" });
  return async (message) => {
    const info = await writer.sendMail({
      from,
      to: message.to,
      subject: message.subject,
      text: message.text,
      html: message.html ?? undefined,
    });
    fs.mkdirSync(outbox, { recursive: true });
    const file = path.join(outbox, `${String(message.id).padStart(6, "0")}-${Date.now()}.eml`);
    fs.writeFileSync(file, info.message as Buffer);
    // Mail carries sign-in links: shown on the console only in development.
    if (config.production) print(`mail to ${message.to} saved as ${file} (set SMTP_URL to send mail)\n`);
    else print(`\n─── mail to ${message.to} (saved as ${file})\nSubject: ${message.subject}\n\n${message.text}\n───\n`);
  };
}

/**
 * Timeouts, so a hung mail server cannot hold a delivery forever: SMTP_TIMEOUT
 * for each reply, at most 10 s of it to connect and to be greeted. With
 * `smtp://` (no TLS asked for), STARTTLS is still used when offered, but an
 * unverifiable certificate does not stop delivery: that is no weaker than the
 * plain text the URL asked for, and local and test servers often have one.
 * `smtps://`, or any `?tls.…` setting in the URL, keeps full verification.
 */
function smtpOptions(url: string, timeoutSeconds: number): Record<string, unknown> {
  const waitMs = timeoutSeconds * 1000;
  const timeouts = { connectionTimeout: Math.min(10_000, waitMs), greetingTimeout: Math.min(10_000, waitMs), socketTimeout: waitMs };
  const strict = url.startsWith("smtps://") || /[?&]tls\./.test(url);
  return strict ? timeouts : { ...timeouts, tls: { rejectUnauthorized: false } };
}
