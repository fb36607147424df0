import type { CompiledEndpoint, CompiledStep } from "../pipeline/compiled-endpoint.ts";
import type { RoleGraph } from "../rbac/role-graph.ts";
import type { YamlSource } from "./yaml-source.ts";

/*
 * Warnings: things that load and run, but are likely mistakes. They never
 * stop `check` or `start`. Each runs on a file (or app) without errors, so
 * a warning is never a mere echo of an error (an unknown `${usr}` leaves
 * `as: user` unread).
 */

const WRITE_ACTIONS = new Set(["db.insert", "db.update", "db.delete"]);
const STEP_KEYS = new Set(["as", "when"]);

/** One step as written: its action's name, its options, and its `as:` name if any. */
interface WrittenStep {
  readonly index: number;
  readonly action: string;
  readonly options: unknown;
  readonly as: unknown;
}

function writtenSteps(steps: unknown): WrittenStep[] {
  if (!Array.isArray(steps)) return [];
  return steps.flatMap((item: unknown, index) => {
    if (item === null || typeof item !== "object" || Array.isArray(item)) return [];
    const record = item as Record<string, unknown>;
    const action = Object.keys(record).find((key) => !STEP_KEYS.has(key));
    return action === undefined ? [] : [{ index, action, options: record[action], as: record.as }];
  });
}

/**
 * The warnings of one endpoint file that compiled without error: `as:`
 * names nothing reads (`used` holds every reference root the file
 * compiled), and a public endpoint that writes with neither a rate limit
 * nor validation; a step that counts failures after a step that writes.
 */
export function lintEndpoint(
  source: YamlSource,
  spec: Record<string, unknown>,
  used: ReadonlySet<string>,
  compiled: readonly CompiledStep[],
): void {
  lintFailureCounts(source, compiled);
  const steps = writtenSteps(spec.steps);
  for (const step of steps) {
    if (typeof step.as === "string" && !used.has(step.as)) {
      source.report(["steps", step.index, "as"], `"${step.as}" is never used: no later step, when: or the response refers to it`, {
        severity: "warning",
      });
    }
  }

  if (spec.allow === "public") {
    const writes = steps.filter(writesToDatabase).map((step) => step.action);
    const limited = steps.some((step) => step.action === "rate-limit");
    const validated = hasInput(spec.input) || steps.some((step) => step.action === "validate");
    if (writes.length > 0 && !limited && !validated) {
      source.report(
        ["allow"],
        `public endpoint writes to the database (${[...new Set(writes)].join(", ")}) without a rate-limit step or any validation (input: or a validate step)`,
        { severity: "warning" },
      );
    }
  }
}

/** The steps compiled one for one from the file's list, so a step's index is its place in `steps:`. */
function lintFailureCounts(source: YamlSource, steps: readonly CompiledStep[]): void {
  const firstWriter = steps.findIndex((step) => !(step.action.pure || step.action.readsOnly));
  steps.forEach((step, index) => {
    if (!step.action.countsFailures || firstWriter < 0 || firstWriter >= index) return;
    const writer = steps[firstWriter]?.action.name ?? "";
    source.report(
      ["steps", index],
      `${step.action.name} counts failures, but comes after ${writer}, which writes: failures sent in parallel may be undercounted; put ${step.action.name} before any step that writes (read a token with check-token, spend it after)`,
      { severity: "warning" },
    );
  });
}

function hasInput(input: unknown): boolean {
  return input !== null && typeof input === "object" && Object.keys(input).length > 0;
}

function writesToDatabase(step: WrittenStep): boolean {
  if (WRITE_ACTIONS.has(step.action)) return true;
  if (step.action !== "db.query") return false;
  const sql = (step.options as { sql?: unknown } | null)?.sql;
  return typeof sql !== "string" || !isPlainSelect(sql);
}

// Strings, quoted identifiers, comments and dollar-quoted bodies say nothing of what a statement does.
const SQL_NOISE = /'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\/|\$([A-Za-z_][A-Za-z0-9_]*)?\$[\s\S]*?\$\1\$/g;
const WRITE_WORD = /\b(insert|update|delete|merge|truncate|into)\b/;

/** A `select …` or `with … select …` that writes nothing: no data-modifying CTE, no `select … into`. */
export function isPlainSelect(sql: string): boolean {
  const text = sql
    .replace(SQL_NOISE, " ")
    .toLowerCase()
    // A row lock is not a write.
    .replace(/\bfor\s+(no\s+key\s+)?update\b/g, " ");
  return /^[\s(]*(select|with)\b/.test(text) && !WRITE_WORD.test(text);
}

/** What an endpoint that compiled says about roles: its `allow`, and the steps as written. */
export interface RoleUse {
  readonly allow: CompiledEndpoint["allow"];
  readonly steps: unknown;
}

/**
 * Roles of roles.yaml that nothing uses: no endpoint's `allow` list names
 * the role or one it implies, and no grant-role/revoke-role step names it
 * literally. Reported at the role's key.
 */
export function lintRoles(source: YamlSource, roles: RoleGraph, uses: readonly RoleUse[]): void {
  const allowed = new Set(uses.flatMap((use) => (typeof use.allow === "string" ? [] : use.allow)));
  const named = new Set(
    uses.flatMap((use) =>
      writtenSteps(use.steps)
        .filter((step) => step.action === "grant-role" || step.action === "revoke-role")
        .map((step) => (step.options as { role?: unknown } | null)?.role)
        .filter((role): role is string => typeof role === "string" && !role.includes("${")),
    ),
  );
  for (const role of roles.names) {
    if (named.has(role) || [...roles.closure(role)].some((implied) => allowed.has(implied))) continue;
    source.report(
      [role],
      `role "${role}" is never used: no endpoint allows it or a role it implies, and no grant-role or revoke-role step names it`,
      { atKey: true, severity: "warning" },
    );
  }
}
