/**
 * The bench app: the repository's own app (the shipped user system, for
 * /auth/login and /auth/refresh) plus bench/app/endpoints/bench/*.yaml,
 * copied into a temporary folder at every run.
 */
import fs from "node:fs";
import path from "node:path";
import { REPO } from "../config.ts";

export function buildBenchApp(into: string): string {
  const app = path.join(into, "app");
  fs.mkdirSync(app, { recursive: true });
  fs.cpSync(path.join(REPO, "endpoints"), path.join(app, "endpoints"), { recursive: true });
  fs.cpSync(path.join(REPO, "actions"), path.join(app, "actions"), { recursive: true });
  fs.copyFileSync(path.join(REPO, "roles.yaml"), path.join(app, "roles.yaml"));
  fs.cpSync(path.join(REPO, "bench", "app", "endpoints"), path.join(app, "endpoints"), { recursive: true });
  return app;
}
