import type { Context } from "hono";
import type { Services } from "../actions/define-action.ts";
import { envelope } from "./error-response.ts";

const HEALTH_TIMEOUT_MS = 2000;

/** 200 when the database answers `select 1` in time; 503 otherwise. */
export function healthHandler(services: Services) {
  return async function health(_c: Context): Promise<Response> {
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("database did not answer in time")), HEALTH_TIMEOUT_MS);
      });
      await Promise.race([services.ping(), timeout]);
      return envelope(200, { status: "ok" }, { "Cache-Control": "no-store" });
    } catch {
      return envelope(
        503,
        { status: "unavailable", error: { code: "database_unavailable", message: "The database is not reachable" } },
        { "Cache-Control": "no-store" },
      );
    } finally {
      clearTimeout(timer);
    }
  };
}
