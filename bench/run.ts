/**
 * `npm run bench`: request throughput of the engine against a bare Hono
 * handler measured in the same run (ratios, since these machines are shared
 * and noisy), and login timing for an unknown email against a wrong password.
 */
import { Hono } from "hono";
import { loadConfig } from "../src/config.ts";
import { createApp, type TrellisApp } from "../src/create-app.ts";
import { createDatabase } from "../src/db/create-database.ts";
import { createLogger } from "../src/logger.ts";
import { fixture, tempDir } from "../tests/helpers/test-app.ts";

const ROUNDS = 3;

async function opsPerSecond(label: string, seconds: number, call: () => Promise<unknown>): Promise<number> {
  let best = 0;
  for (let round = 0; round < ROUNDS; round++) {
    let count = 0;
    const end = performance.now() + seconds * 1000;
    while (performance.now() < end) {
      await call();
      count++;
    }
    best = Math.max(best, count / seconds);
  }
  process.stdout.write(`${label.padEnd(44)} ${best.toFixed(0).padStart(8)} req/s\n`);
  return best;
}

async function medianMs(call: () => Promise<unknown>, times: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    await call();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const baseline = new Hono().get("/hello", (c) => c.json({ message: `Hello, ${c.req.query("name") ?? "world"}!` }));
  const database = createDatabase({});
  const env = { JWT_SECRET: "bench-secret-that-is-at-least-32-bytes!!", DATA_DIR: tempDir(), BCRYPT_COST: "10", LOG_LEVEL: "silent" };
  const engine: TrellisApp = await createApp({
    config: loadConfig(env, { appDir: fixture("engine") }),
    database,
    logger: createLogger("silent"),
  });
  const shipped: TrellisApp = await createApp({
    config: loadConfig(env, { appDir: "." }),
    database,
    logger: createLogger("silent"),
    printMail: () => {},
  });
  const { token } = await engine.services.keys.signAccessToken("bench-user", { roles: ["admin"] });
  const auth = { headers: { Authorization: `Bearer ${token}` } };

  const base = await opsPerSecond("bare Hono handler (baseline)", 2, async () => baseline.request("/hello?name=Ann"));
  const greet = await opsPerSecond("trellis public endpoint with query input", 2, () => engine.request("/greet?name=Ann"));
  const rbac = await opsPerSecond("trellis allow: [admin] with a bearer JWT", 2, () => engine.request("/admin-only", auth));
  process.stdout.write(`\nratios to the baseline: public ${(greet / base).toFixed(2)}, JWT + RBAC ${(rbac / base).toFixed(2)}\n\n`);

  await shipped.request("/auth/register", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: "bench@example.com", password: "correct horse" }),
  });
  const attempt = (email: string) => () =>
    shipped.request("/auth/login", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email, password: "wrong" }),
    });
  const wrongPassword = await medianMs(attempt("bench@example.com"), 4);
  const unknownEmail = await medianMs(attempt("nobody@example.com"), 4);
  process.stdout.write(
    `login, wrong password: ${wrongPassword.toFixed(1)} ms; unknown email: ${unknownEmail.toFixed(1)} ms; ratio ${(unknownEmail / wrongPassword).toFixed(2)} (1.00 = indistinguishable)\n`,
  );

  // bcrypt runs in worker threads: a burst of logins must not stall other requests.
  const idle = await medianMs(() => engine.request("/greet?name=Ann"), 50);
  const burst = Array.from({ length: 8 }, () => attempt("nobody@example.com")());
  const during = await medianMs(() => engine.request("/greet?name=Ann"), 50);
  await Promise.all(burst);
  process.stdout.write(
    `a request during 8 parallel logins: ${during.toFixed(2)} ms, idle ${idle.toFixed(2)} ms; ratio ${(during / idle).toFixed(1)}\n`,
  );

  await engine.close();
  await shipped.close();
  await database.close();
}

await main();
