import type { AddressInfo } from "node:net";
import { type ParsedMail, simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface ReceivedMail {
  /** The message as it crossed the wire, before any decoding. */
  readonly raw: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** A real SMTP server in the test process: mail that trellis sends arrives here. */
export interface TestSmtp {
  readonly url: string;
  readonly port: number;
  readonly mails: ReceivedMail[];
  /** Resolves with the first mail to `to` whose subject matches, once it has arrived (or rejects after `ms`). */
  waitFor(to: string, subject?: RegExp, ms?: number): Promise<ReceivedMail>;
  clear(): void;
  close(): Promise<void>;
}

/** `starttls: true` keeps smtp-server's default STARTTLS offer, with its own self-signed (and expired) certificate. */
export async function startSmtp(port = 0, options: { starttls?: boolean } = {}): Promise<TestSmtp> {
  const mails: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: options.starttls ? ["AUTH"] : ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        simpleParser(raw).then(
          (parsed: ParsedMail) => {
            for (const recipient of session.envelope.rcptTo) {
              const html = typeof parsed.html === "string" ? parsed.html : "";
              mails.push({ raw, to: recipient.address, subject: parsed.subject ?? "", text: parsed.text ?? "", html });
            }
            for (const waiter of waiters) waiter();
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  const { url, port: actualPort } = await listenOnLoopback(server, port);
  return {
    url,
    port: actualPort,
    mails,
    waitFor(to, subject = /./, ms = 10_000) {
      const find = () => mails.find((mail) => mail.to === to && subject.test(mail.subject));
      return new Promise((resolve, reject) => {
        const check = () => {
          const mail = find();
          if (!mail) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(mail);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no mail to ${to} matching ${subject} arrived; got: ${mails.map((m) => `${m.to}: ${m.subject}`).join("; ")}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
    clear: () => void mails.splice(0),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The `token=` value of the first link in a mail. */
/** Starts `server` on 127.0.0.1 (port 0: any free one) and says where a client reaches it. */
export async function listenOnLoopback(server: SMTPServer, port: number): Promise<{ url: string; port: number }> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const actualPort = (server.server.address() as AddressInfo).port;
  return { url: `smtp://127.0.0.1:${actualPort}`, port: actualPort };
}

export function tokenIn(mail: ReceivedMail): string {
  const match = /token=([A-Za-z0-9_-]+)/.exec(mail.text);
  if (!match?.[1]) throw new Error(`no token in mail: ${mail.text}`);
  return match[1];
}
