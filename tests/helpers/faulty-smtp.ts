import net, { type AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer, type SMTPServerAddress } from "smtp-server";
import { listenOnLoopback } from "./smtp.ts";

/** What a faulty server does with one recipient: a reply code to refuse it with, "hang" to take the message and never answer. */
export type Fault = number | "hang" | undefined;

export interface FaultySmtpOptions {
  /** The answer to RCPT TO for this address. */
  readonly recipient?: (address: string) => Fault;
  /** The answer after the message's data, for its (accepted) recipient. */
  readonly data?: (address: string) => Fault;
  /** Require a login and refuse every one with 535. */
  readonly refuseLogin?: boolean;
}

export interface FaultySmtp {
  readonly url: string;
  readonly port: number;
  /** Messages accepted (answered 250 after the data). */
  readonly accepted: { to: string; subject: string; text: string }[];
  /** Recipients whose data arrived and was never answered. */
  readonly hung: string[];
  close(): Promise<void>;
}

const replyError = (code: number, text: string) => Object.assign(new Error(text), { responseCode: code });

/** A real SMTP server that refuses or stalls on the recipients the test names, and accepts the rest. */
export async function startFaultySmtp(options: FaultySmtpOptions, port = 0): Promise<FaultySmtp> {
  const accepted: FaultySmtp["accepted"] = [];
  const hung: string[] = [];
  const server = new SMTPServer({
    authOptional: !options.refuseLogin,
    allowInsecureAuth: true,
    disabledCommands: options.refuseLogin ? ["STARTTLS"] : ["STARTTLS", "AUTH"],
    logger: false,
    // A stalled session would otherwise hold close() for 30 s.
    closeTimeout: 200,
    onAuth(_auth, _session, callback) {
      callback(replyError(535, "5.7.8 Authentication credentials invalid"));
    },
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const fault = options.recipient?.(address.address);
      if (typeof fault === "number") return callback(replyError(fault, `${fault} refused by the test server`));
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const to = session.envelope.rcptTo[0]?.address ?? "";
        const fault = options.data?.(to);
        if (fault === "hang") return void hung.push(to);
        if (typeof fault === "number") return callback(replyError(fault, `${fault} message refused by the test server`));
        simpleParser(Buffer.concat(chunks)).then(
          (parsed) => {
            accepted.push({ to, subject: parsed.subject ?? "", text: parsed.text ?? "" });
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
    accepted,
    hung,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A TCP server that accepts every connection and never says a word: no greeting, no reply. */
export async function startSilentServer(port = 0): Promise<{ port: number; connections: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const state = { connections: 0 };
  const server = net.createServer((socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on("error", () => {});
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on (one that was free a moment ago): connecting to it is refused. */
export async function closedPort(): Promise<number> {
  const probe = await startSilentServer();
  await probe.close();
  return probe.port;
}
