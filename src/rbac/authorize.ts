import { ForbiddenError, TrellisError, UnauthorizedError } from "../errors.ts";
import type { RoleGraph } from "./role-graph.ts";

/** The verified bearer token of a request. */
export interface Principal {
  readonly sub: string;
  readonly roles: readonly string[];
  readonly [claim: string]: unknown;
}

/** Who may call an endpoint, decided at load. */
export type Access =
  | { readonly kind: "public" }
  | { readonly kind: "authenticated" }
  | { readonly kind: "roles"; readonly roles: readonly string[]; readonly grantedBy: ReadonlySet<string> };

/**
 * Prepares `allow: [a, b]`: the set of token roles that reach a or b
 * through `implies`, so a request needs one set lookup per token role.
 */
export function compileAccess(allow: "public" | "authenticated" | readonly string[], graph: RoleGraph): Access {
  if (allow === "public" || allow === "authenticated") return { kind: allow };
  const wanted = new Set(allow);
  const grantedBy = new Set<string>();
  for (const role of graph.names) {
    for (const implied of graph.closure(role)) if (wanted.has(implied)) grantedBy.add(role);
  }
  return { kind: "roles", roles: [...allow], grantedBy };
}

/** Throws 401 without a principal where one is needed, 403 when no role of the principal is allowed. */
export function authorize(access: Access, principal: Principal | null): void {
  if (access.kind === "public") return;
  if (!principal) throw new UnauthorizedError();
  if (access.kind === "authenticated") return;
  for (const role of principal.roles) if (access.grantedBy.has(role)) return;
  throw new ForbiddenError();
}

/** For `mfa: true`: 403 `mfa_required` unless the token's `amr` (RFC 8176) says a second factor was proven. */
export function requireSecondFactor(principal: Principal | null): void {
  const amr = principal?.amr;
  if (Array.isArray(amr) && amr.includes("mfa")) return;
  throw new TrellisError(
    403,
    "mfa_required",
    "This needs a sign-in with a second factor: turn on an authenticator app, then sign in again and enter its code",
  );
}
