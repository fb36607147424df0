import fs from "node:fs";
import net from "node:net";
import path from "node:path";

/**
 * A running server that holds the embedded database answers `trellis users`
 * for the CLI through a Unix socket in DATA_DIR (mode 0600: only the same OS
 * user may connect). One JSON line in, one JSON line out.
 */
export const controlSocketPath = (dataDir: string): string => path.join(dataDir, "trellis.sock");

/** Unix socket paths are limited to about 100 bytes; a longer one is silently cut, so none is used. */
const usable = (file: string): boolean => Buffer.byteLength(file) <= 100;

const MAX_REQUEST_BYTES = 64 * 1024;

export function serveControlSocket(dataDir: string, handle: (args: string[]) => Promise<unknown>): () => void {
  const file = controlSocketPath(dataDir);
  if (!usable(file)) return () => {};
  fs.rmSync(file, { force: true });
  const server = net.createServer((socket) => {
    let input = "";
    socket.setEncoding("utf8");
    socket.on("data", function onData(chunk: string) {
      input += chunk;
      if (input.length > MAX_REQUEST_BYTES) {
        socket.destroy();
        return;
      }
      if (!input.includes("\n")) return;
      // One request per connection: later chunks are not read again.
      socket.off("data", onData);
      const reply = (value: unknown) => socket.end(`${JSON.stringify(value)}\n`);
      let args: unknown;
      try {
        args = JSON.parse(input.slice(0, input.indexOf("\n"))).args;
      } catch {
        args = undefined;
      }
      if (!Array.isArray(args) || !args.every((arg) => typeof arg === "string")) reply({ code: 2, stdout: "", stderr: "bad request\n" });
      else
        handle(args).then(reply, (error: unknown) =>
          reply({ code: 1, stdout: "", stderr: `${error instanceof Error ? error.message : String(error)}\n` }),
        );
    });
    socket.on("error", () => socket.destroy());
  });
  // Without the socket (a DATA_DIR path too long for one, say) the server still serves; `trellis users` then asks to stop it.
  server.on("error", () => server.close());
  // Created owner-only from the start (umask), not made so afterwards.
  const umask = process.umask(0o177);
  try {
    server.listen(file);
  } finally {
    process.umask(umask);
  }
  server.unref();
  return () => {
    server.close();
    fs.rmSync(file, { force: true });
  };
}

/** Sends one command to the server holding DATA_DIR; rejects when none answers. */
export function askControlSocket(dataDir: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    if (!usable(controlSocketPath(dataDir))) {
      reject(new Error("no control socket for this DATA_DIR"));
      return;
    }
    const socket = net.createConnection(controlSocketPath(dataDir));
    let output = "";
    socket.setEncoding("utf8");
    socket.setTimeout(30_000, () => socket.destroy(new Error("the server did not answer in time")));
    socket.on("connect", () => socket.write(`${JSON.stringify({ args })}\n`));
    socket.on("data", (chunk: string) => {
      output += chunk;
    });
    socket.on("error", reject);
    socket.on("end", () => {
      try {
        resolve(JSON.parse(output));
      } catch (error) {
        reject(error);
      }
    });
  });
}
