/**
 * The baseline: what a careful engineer writes by hand for each bench
 * endpoint, with Hono, @hono/node-server, jose (key imported once) and
 * kysely on the same kind of database as trellis. Every route does the work
 * of the trellis endpoint it is compared with: the same checks, the same SQL,
 * the same JSON, status codes and headers.
 *
 * Differences that could not be avoided, or were chosen:
 * - GET /bench/user runs its one SELECT without a transaction: a hand-written
 *   server does not wrap a single read in BEGIN/COMMIT, while trellis opens a
 *   transaction for any endpoint with a database step. That cost is trellis's
 *   and the bench means to show it.
 * - Input checks are written out by hand, not compiled by ajv.
 * - bcrypt runs in worker threads (bcrypt-workers.ts), BCRYPT_WORKERS of them or one core fewer than the
 *   machine has, with the same bounded queue, as trellis's pool (src/auth/bcrypt-pool.ts).
 */
import bcrypt from "bcryptjs";
import { Hono } from "hono";
import { migrate } from "../../src/db/migrate.ts";
import { createAccounts } from "./accounts.ts";
import { createBcryptWorkers } from "./bcrypt-workers.ts";
import { openDatabase } from "./database.ts";
import { clientIp, errorResponse, HttpError, invalid, json, readJsonObject, refuseOtherFields, unauthorized } from "./http.ts";
import { listen } from "./listen.ts";
import { createTokens } from "./tokens.ts";

const db = openDatabase(process.env.DATABASE_URL || undefined, process.env.DATA_DIR ?? ".data-baseline");
await migrate(db);
const tokens = await createTokens(process.env.JWT_SECRET ?? "");
const workers = createBcryptWorkers();
const dummyHash = bcrypt.hashSync("trellis-dummy-password", Number(process.env.BCRYPT_COST ?? 12));
const accounts = createAccounts(db, tokens.sign, workers.compare, dummyHash);
const NO_STORE = { "Cache-Control": "no-store" };
const utf8Bytes = (text: string) => Buffer.byteLength(text, "utf8");

const app = new Hono();
app.onError((error) => errorResponse(error));
app.notFound(() => json(404, { error: { code: "not_found", message: "No such route" } }));

app.get("/healthz", () => json(200, { status: "ok" }));

// endpoints/bench/hello.get.yaml: public, query name? (1–50 characters, default "world").
app.get("/bench/hello", async (c) => {
  await tokens.principal(c.req.header("authorization"));
  const name = c.req.query("name") ?? "world";
  if (name.length < 1 || name.length > 50)
    throw invalid({ name: name.length < 1 ? "must NOT have fewer than 1 characters" : "must NOT have more than 50 characters" });
  return json(200, { message: `Hello, ${name}!` });
});

const signedIn = async (header: string | undefined) => {
  const claims = await tokens.principal(header);
  if (!claims) throw unauthorized("A valid access token is required", "unauthorized");
  return claims;
};

// endpoints/bench/claims.get.yaml: allow authenticated, answer the claims.
app.get("/bench/claims", async (c) => json(200, await signedIn(c.req.header("authorization"))));

// endpoints/bench/user.get.yaml: allow authenticated, one primary-key SELECT, 404 when there is no row.
app.get("/bench/user", async (c) => {
  const claims = await signedIn(c.req.header("authorization"));
  const user = await db.selectFrom("users").select(["id", "email", "name"]).where("id", "=", claims.sub).limit(1).executeTakeFirst();
  if (!user) throw new HttpError(404, "user_not_found", "This account no longer exists.");
  return json(200, user);
});

// endpoints/auth/login.post.yaml
app.post("/auth/login", async (c) => {
  await tokens.principal(c.req.header("authorization"));
  const body = await readJsonObject(c);
  refuseOtherFields(body, ["email", "password"]);
  const problems: Record<string, string> = {};
  const email = typeof body.email === "string" ? body.email.trim().toLowerCase() : undefined;
  if (email === undefined) problems.email = body.email === undefined ? "is required" : "must be string";
  else if (email.length < 1 || email.length > 254) problems.email = "must be 1 to 254 characters";
  const password = body.password;
  if (typeof password !== "string") problems.password = password === undefined ? "is required" : "must be string";
  else if (password.length < 1 || utf8Bytes(password) > 72) problems.password = "must be 1 character to 72 bytes";
  if (Object.keys(problems).length > 0 || email === undefined || typeof password !== "string") throw invalid(problems);
  return json(200, await accounts.login(email, password, clientIp(c)), NO_STORE);
});

// endpoints/auth/refresh.post.yaml
app.post("/auth/refresh", async (c) => {
  await tokens.principal(c.req.header("authorization"));
  const body = await readJsonObject(c);
  refuseOtherFields(body, ["refresh_token"]);
  const token = body.refresh_token;
  if (typeof token !== "string") throw invalid({ refresh_token: token === undefined ? "is required" : "must be string" });
  if (token.length < 1 || token.length > 200) throw invalid({ refresh_token: "must be 1 to 200 characters" });
  return json(200, await accounts.refresh(token, clientIp(c)), NO_STORE);
});

listen(app, async () => {
  await workers.close();
  await db.destroy();
});
