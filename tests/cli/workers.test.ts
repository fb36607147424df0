import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { runTrellis } from "../helpers/cli.ts";
import { tempDir } from "../helpers/test-app.ts";

const databaseUrl = process.env.TEST_DATABASE_URL;

/** An app whose one endpoint answers with the pid of the process that served it. */
function pidApp(): string {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, "endpoints"));
  fs.mkdirSync(path.join(dir, "actions"));
  fs.writeFileSync(path.join(dir, "roles.yaml"), "guest: {}\n");
  fs.writeFileSync(
    path.join(dir, "actions", "pid.ts"),
    'import { defineAction } from "trellis";\nexport default defineAction({ name: "pid", description: "This process.", pure: true, options: { type: "object" }, run: () => process.pid });\n',
  );
  fs.writeFileSync(
    path.join(dir, "endpoints", "pid.get.yaml"),
    'allow: public\nsteps:\n  - pid: {}\n    as: pid\nresponse:\n  body: { pid: "${pid}" }\n',
  );
  return dir;
}

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("trellis start --workers", () => {
  it("refuses several workers on the embedded database, saying why", async () => {
    const server = runTrellis(["start", pidApp(), "--workers", "2"], { PORT: "0", DATA_DIR: tempDir(), DATABASE_URL: "" });
    assert.equal(await server.exited, 1);
    assert.match(
      server.output(),
      /--workers needs PostgreSQL: the embedded database \(PGlite\) opens its data folder from one process only/,
    );
  });

  it("serves one port from both workers, keeps it served when one is killed, and stops all on SIGTERM", {
    skip: databaseUrl ? false : "needs TEST_DATABASE_URL (PostgreSQL)",
  }, async () => {
    const server = runTrellis(["start", pidApp(), "--workers", "2"], {
      PORT: "0",
      HOST: "127.0.0.1",
      DATA_DIR: tempDir(),
      DATABASE_URL: databaseUrl ?? "",
      JWT_SECRET: "workers-test-secret-that-is-32-bytes-long",
    });
    try {
      await server.waitFor(/listening on http:\/\/127\.0\.0\.1:\d+.*\n(.*\n)*.*listening on http:\/\/127\.0\.0\.1:\d+/);
      const [, port] = await server.waitFor(/listening on http:\/\/127\.0\.0\.1:(\d+)/);
      /** The pids that answer over fresh connections, which the primary hands out in turn. */
      const answering = async (requests: number) => {
        const pids = new Set<number>();
        for (let i = 0; i < requests; i++) {
          const res = await fetch(`http://127.0.0.1:${port}/pid`, { headers: { Connection: "close" } });
          assert.equal(res.status, 200);
          pids.add(((await res.json()) as { pid: number }).pid);
        }
        return pids;
      };
      const first = await answering(12);
      assert.equal(first.size, 2, "both workers answer");

      const [killed] = [...first];
      process.kill(killed ?? 0, "SIGKILL");
      await server.waitFor(/worker \d+ died \(SIGKILL\); starting another/);
      const after = await answering(6);
      assert.ok(!after.has(killed ?? 0), "the port is still served, by the other worker");
      let replaced = new Set<number>();
      for (let tries = 0; tries < 50 && replaced.size < 2; tries++) {
        replaced = await answering(4);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(replaced.size, 2, "a new worker took the dead one's place");

      server.child.kill("SIGTERM");
      assert.equal(await server.exited, 0);
      for (const pid of replaced) assert.ok(!isRunning(pid), `worker ${pid} stopped with the primary`);
    } finally {
      server.child.kill("SIGKILL");
    }
  });
});
