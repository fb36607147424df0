import { TrellisError } from "../../errors.ts";
import type { RoleGraph } from "../../rbac/role-graph.ts";
import type { CheckEnv, CheckIssue, JsonSchema } from "../define-action.ts";

export interface RoleOptions {
  user: string;
  role: string;
}

export const roleOptionsSchema: JsonSchema = {
  type: "object",
  properties: {
    user: { type: "string", minLength: 1, description: "The user id." },
    role: { type: "string", minLength: 1, maxLength: 100, description: "A role name from `roles.yaml`." },
  },
  required: ["user", "role"],
  additionalProperties: false,
};

/** A role written out must exist in roles.yaml: a typo is a load error. */
export function checkLiteralRole({ role }: RoleOptions, { roles }: CheckEnv): CheckIssue[] {
  if (role.includes("${") || roles.has(role)) return [];
  return [{ at: ["role"], message: `unknown role "${role}"; roles.yaml declares ${[...roles.names].join(", ") || "none"}` }];
}

/** A role computed at run time (e.g. from the path) that roles.yaml does not declare is the client's mistake: 400. */
export function requireKnownRole(role: string, roles: RoleGraph): void {
  if (!roles.has(role)) throw new TrellisError(400, "unknown_role", `There is no role "${role}"`, { role });
}
