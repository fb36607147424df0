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

/** Hands one message to the mail system; throws when it was not accepted. */
export type Deliver = (message: MailMessage) => Promise<void>;

/**
 * SMTP_URL → a nodemailer SMTP transport. Without it (development), each
 * message is printed with its links and saved as an .eml under DATA_DIR/outbox.
 */
export function createDeliver(config: Config, print: (text: string) => void = (text) => process.stdout.write(text)): Deliver {
  const from = config.mail.from;
  if (config.mail.smtpUrl) {
    const transport = nodemailer.createTransport({ url: config.mail.smtpUrl, ...smtpOptions(config.mail.smtpUrl) } as TransportOptions);
    return async (message) => {
      await transport.sendMail({ from, to: message.to, subject: message.subject, text: message.text, html: message.html ?? undefined });
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
 * Timeouts, so a hung mail server cannot hold a delivery forever. With
 * `smtp://` (no TLS asked for), STARTTLS is still used when offered, but an
 * unverifiable certificate does not stop delivery: that is no weaker than the
 * plain text the URL asked for, and local and test servers often have one.
 * `smtps://`, or any `?tls.…` setting in the URL, keeps full verification.
 */
function smtpOptions(url: string): Record<string, unknown> {
  const timeouts = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };
  const strict = url.startsWith("smtps://") || /[?&]tls\./.test(url);
  return strict ? timeouts : { ...timeouts, tls: { rejectUnauthorized: false } };
}
