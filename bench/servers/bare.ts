/**
 * The ceiling: a Hono handler answering a constant JSON, with no token check,
 * no validation and no database. The bench sends it the same requests
 * (Authorization header included) as the servers it is compared with.
 */
import { Hono } from "hono";
import { listen } from "./listen.ts";

/** The shape of an access token's claims, as the `jwt` scenario's endpoints answer them. */
const CLAIMS = {
  email: "bench-0@example.com",
  roles: ["guest"],
  sid: "00000000-0000-4000-8000-000000000000",
  iss: "trellis",
  aud: "trellis",
  sub: "00000000-0000-4000-8000-000000000001",
  iat: 1_700_000_000,
  exp: 1_700_003_600,
  jti: "00000000-0000-4000-8000-000000000002",
};

const app = new Hono();
app.get("/healthz", (c) => c.json({ status: "ok" }));
app.get("/bench/hello", (c) => c.json({ message: "Hello, bench!" }));
app.get("/bench/claims", (c) => c.json(CLAIMS));
listen(app);
