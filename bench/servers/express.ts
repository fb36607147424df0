/**
 * The tutorials' stack: Express 5 and jsonwebtoken with the secret as a
 * string, `jwt.verify(token, secret)` on every request, answering the claims.
 */
import express from "express";
import jwt from "jsonwebtoken";

const secret = process.env.JWT_SECRET ?? "";
const app = express();

app.get("/healthz", (_req, res) => {
  res.json({ status: "ok" });
});

app.get("/bench/claims", (req, res) => {
  const header = req.headers.authorization ?? "";
  const token = header.startsWith("Bearer ") ? header.slice(7) : "";
  try {
    res.json(jwt.verify(token, secret));
  } catch {
    res.status(401).json({ error: { code: "invalid_token", message: "The access token is not valid" } });
  }
});

const server = app.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? "127.0.0.1");
process.on("SIGTERM", () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => process.exit(0), 3000).unref();
});
