import net from "node:net";

/**
 * A TCP proxy in the test process between an app and its PostgreSQL, so a
 * test can take the database away and bring it back without owning the
 * server: `cut()` closes every connection and the port (a server that is
 * gone), `hang()` keeps the port open but forwards nothing, new connections
 * included (a network that went silent), `restore()` serves again.
 */
export interface TcpProxy {
  readonly port: number;
  /** The target URL with the proxy's host and port in place of the server's. */
  readonly url: string;
  cut(): Promise<void>;
  hang(): void;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetUrl: string): Promise<TcpProxy> {
  const target = new URL(targetUrl);
  const targetPort = Number(target.port || 5432);
  const sockets = new Set<net.Socket>();
  let silent = false;

  const track = (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => socket.destroy());
  };
  const server = net.createServer((client) => {
    track(client);
    // A silent network: the connection is accepted and nothing ever comes back.
    if (silent) return;
    const upstream = net.connect(targetPort, target.hostname);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => {
        server.off("error", reject);
        resolve((server.address() as net.AddressInfo).port);
      });
    });
  const port = await listen(0);
  const url = new URL(targetUrl);
  url.hostname = "127.0.0.1";
  url.port = String(port);

  const dropAll = () => {
    for (const socket of sockets) socket.destroy();
  };
  const stopListening = () => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));

  return {
    port,
    url: url.href,
    async cut() {
      const closed = stopListening();
      dropAll();
      await closed;
    },
    hang() {
      silent = true;
      // What is under way stops too: nothing more is passed on either way.
      for (const socket of sockets) {
        socket.unpipe();
        socket.pause();
      }
    },
    async restore() {
      silent = false;
      // Whatever was stalled is reset, as by a network that comes back after the peers gave up.
      dropAll();
      if (!server.listening) await listen(port);
    },
    async close() {
      const closed = stopListening();
      dropAll();
      await closed;
    },
  };
}
