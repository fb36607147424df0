/**
 * What `trellis check` must say about tests/fixtures/broken (one file per
 * error class) and tests/fixtures/broken-roles, as `file:line:col message`
 * with the file relative to the fixture folder. Each position was checked
 * by hand against the fixture: it is the key or value at fault.
 */
import { INPUT_ROOTS } from "../../src/pipeline/scope.ts";

export interface ExpectedError {
  /** The error class the file stands for. */
  readonly name: string;
  readonly lines: readonly string[];
}

// In the loader's order: by file, then line and column.
export const BROKEN_ERRORS: readonly ExpectedError[] = [
  {
    name: "bad action options",
    lines: [
      'endpoints/bad-options.post.yaml:3:11 fail: option "code" is required',
      'endpoints/bad-options.post.yaml:4:25 db.select: option "table" must be string',
    ],
  },
  {
    name: "invalid input schema keyword (ajv strict mode)",
    lines: ['endpoints/bad-schema.post.yaml:4:27 invalid body schema: unknown keyword: "maxlength" (did you mean "maxLength"?)'],
  },
  {
    name: "schema violation: bad response.status",
    lines: ["endpoints/bad-status.get.yaml:3:11 status must be an HTTP status code (100–599)"],
  },
  {
    name: "YAML alias bomb",
    lines: ["endpoints/bomb.get.yaml:5:12 YAML: too many alias expansions (over 100); refusing a possible alias bomb"],
  },
  {
    name: "bad file name (no method)",
    lines: ["endpoints/greet.yaml:1:1 file name must be <name>.<method>.yaml with method one of get, post, put, patch, delete"],
  },
  {
    name: "missing allow",
    lines: ["endpoints/no-allow.get.yaml:1:1 missing `allow:`: say who may call this endpoint (public, authenticated, or a list of roles)"],
  },
  {
    name: "mfa: true on a public endpoint",
    lines: [
      "endpoints/public-mfa.get.yaml:3:6 `mfa: true` needs a signed-in caller, but this endpoint is `allow: public`: allow authenticated or roles",
    ],
  },
  {
    name: "YAML syntax error",
    lines: ["endpoints/syntax.get.yaml:3:9 YAML: Flow map in block collection must be sufficiently indented and end with a }"],
  },
  {
    name: "unknown action",
    lines: ['endpoints/typo.post.yaml:3:5 unknown action "db.inser" (did you mean "db.insert"?)'],
  },
  {
    name: "schema violation: unknown top-level field",
    lines: [
      'endpoints/unknown-field.get.yaml:1:1 unknown field "alow" (did you mean "allow"?)',
      "endpoints/unknown-field.get.yaml:1:1 missing `allow:`: say who may call this endpoint (public, authenticated, or a list of roles)",
    ],
  },
  {
    name: "unknown reference",
    lines: [
      // The known names are the request's roots, then the steps' `as:` names in order.
      `endpoints/unknown-ref.get.yaml:6:15 unknown reference "\${usr.id}": "usr" is not defined here (known: ${[...INPUT_ROOTS, "user"].join(", ")})`,
    ],
  },
  {
    name: "unknown role in allow",
    lines: ['endpoints/unknown-role.get.yaml:1:16 unknown role "admn" (did you mean "admin"?); roles.yaml declares guest, admin'],
  },
  {
    name: "unsafe YAML tag",
    lines: ["endpoints/unsafe-tag.get.yaml:3:9 unsafe or unknown YAML tag: !!js/function"],
  },
  {
    name: "two files claiming one route",
    lines: ["endpoints/users/[uid].get.yaml:1:1 GET /users/:uid is already defined by endpoints/users/[id].get.yaml"],
  },
];

export const BROKEN_ROLES_ERRORS: readonly ExpectedError[] = [
  { name: "unknown implied role", lines: ['roles.yaml:2:13 unknown role "member"'] },
  { name: "implies cycle", lines: ["roles.yaml:4:12 roles imply each other in a circle: admin → editor → admin"] },
];

export const allLines = (errors: readonly ExpectedError[]): string[] => errors.flatMap((error) => error.lines);
