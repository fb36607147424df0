import type { Ajv } from "ajv";
import type { CompiledEndpoint, CompiledResponse } from "../pipeline/compiled-endpoint.ts";
import { compileTemplate, escapeHtml, type PathSegment, type TemplateEnv } from "../pipeline/template.ts";
import { compileAccess } from "../rbac/authorize.ts";
import type { RoleGraph } from "../rbac/role-graph.ts";
import { compileInput, expandShorthand, type InputPart, type InputValidator } from "./compile-input.ts";
import { compileSteps, type StepsEnv } from "./compile-steps.ts";
import { lintEndpoint } from "./lint.ts";
import type { RouteFromPath } from "./route-from-path.ts";
import { didYouMean } from "./suggest.ts";
import type { YamlSource } from "./yaml-source.ts";

export const TOP_LEVEL_KEYS = ["summary", "description", "tags", "allow", "mfa", "input", "steps", "response"];
export const INPUT_KEYS: InputPart[] = ["body", "query", "params"];
export const RESPONSE_KEYS = ["status", "headers", "body"];
export const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

export interface EndpointEnv extends StepsEnv {
  readonly roles: RoleGraph;
  /** For bodies: unknown fields are errors. */
  readonly bodyAjv: Ajv;
  /** For query and path parameters: strings are coerced to the declared types. */
  readonly textAjv: Ajv;
}

type Allow = CompiledEndpoint["allow"];

export function compileEndpoint(source: YamlSource, route: RouteFromPath, env: EndpointEnv): CompiledEndpoint | undefined {
  const spec = source.value;
  if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
    source.report([], "an endpoint file must be a map with at least `allow:`");
    return undefined;
  }
  const record = spec as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!TOP_LEVEL_KEYS.includes(key)) source.report([key], `unknown field "${key}"${didYouMean(key, TOP_LEVEL_KEYS)}`, { atKey: true });
  }
  const summary = optionalText(record, "summary", source);
  const description = optionalText(record, "description", source);
  const tags = compileTags(record.tags, source);
  const allow = compileAllow(record, source, env.roles);
  const mfa = compileMfa(record, source, allow);
  const input = compileInputs(record.input, route, source, env);
  const used = new Set<string>();
  const use = (root: string) => {
    used.add(root);
  };
  const fields = input ? knownFields(input) : undefined;
  const { steps, names } = compileSteps(record.steps, source, env, use, fields);
  const response = compileResponse(record.response, source, {
    roots: names,
    report: (at, message) => source.report(at, message),
    use,
    ...(fields ? { fields } : {}),
  });

  if (source.issues.some((issue) => issue.severity === "error") || !allow || !input || !response) return undefined;
  lintEndpoint(source, record, used, steps);
  return {
    file: source.file,
    method: route.method,
    pattern: route.pattern,
    summary,
    description,
    tags,
    allow,
    access: compileAccess(allow, env.roles),
    mfa,
    input,
    steps,
    response,
    transactional: steps.some((step) => !step.action.pure && !step.action.readsOnly),
    reads: used,
  };
}

function optionalText(record: Record<string, unknown>, key: string, source: YamlSource): string | undefined {
  const value = record[key];
  if (value === undefined || typeof value === "string") return value;
  source.report([key], `${key} must be text`);
  return undefined;
}

function compileTags(raw: unknown, source: YamlSource): string[] {
  if (raw === undefined) return [];
  if (Array.isArray(raw) && raw.every((tag) => typeof tag === "string")) return raw;
  source.report(["tags"], "tags must be a list of names");
  return [];
}

function compileAllow(record: Record<string, unknown>, source: YamlSource, roles: RoleGraph): Allow | undefined {
  if (!("allow" in record)) {
    source.report([], "missing `allow:`: say who may call this endpoint (public, authenticated, or a list of roles)");
    return undefined;
  }
  const raw = record.allow;
  if (raw === "public" || raw === "authenticated") return raw;
  const list = typeof raw === "string" ? [raw] : raw;
  if (!Array.isArray(list) || list.length === 0 || !list.every((role) => typeof role === "string")) {
    source.report(["allow"], "allow must be public, authenticated, or a list of role names");
    return undefined;
  }
  let ok = true;
  list.forEach((role: string, index) => {
    const at = typeof raw === "string" ? ["allow"] : ["allow", index];
    if (role === "public" || role === "authenticated") {
      source.report(at, `"${role}" must be written alone, as \`allow: ${role}\``);
      ok = false;
    } else if (!roles.has(role)) {
      source.report(
        at,
        `unknown role "${role}"${didYouMean(role, roles.names)}; roles.yaml declares ${[...roles.names].join(", ") || "none"}`,
      );
      ok = false;
    }
  });
  return ok ? list : undefined;
}

/** `mfa: true`: the token must say a second factor was proven (`amr` holds `mfa`); only where a token is asked for. */
function compileMfa(record: Record<string, unknown>, source: YamlSource, allow: Allow | undefined): boolean {
  const raw = record.mfa;
  if (raw === undefined) return false;
  if (typeof raw !== "boolean") {
    source.report(["mfa"], "mfa must be true or false");
    return false;
  }
  if (raw && allow === "public") {
    source.report(["mfa"], "`mfa: true` needs a signed-in caller, but this endpoint is `allow: public`: allow authenticated or roles");
  }
  return raw;
}

type Inputs = CompiledEndpoint["input"];

function compileInputs(raw: unknown, route: RouteFromPath, source: YamlSource, env: EndpointEnv): Inputs | undefined {
  const parts: Record<InputPart, InputValidator | undefined> = { body: undefined, query: undefined, params: undefined };
  const record = raw === undefined ? {} : raw;
  if (record === null || typeof record !== "object" || Array.isArray(record)) {
    source.report(["input"], "input must be a map with body, query and/or params");
    return undefined;
  }
  const given = record as Record<string, unknown>;
  let ok = true;
  for (const key of Object.keys(given)) {
    if (!(INPUT_KEYS as string[]).includes(key)) {
      source.report(["input", key], `unknown input "${key}"${didYouMean(key, INPUT_KEYS)}`, { atKey: true });
      ok = false;
    }
  }
  if (given.body !== undefined && route.method === "get") {
    source.report(["input", "body"], "a GET request has no body: use query");
    ok = false;
  }
  for (const part of INPUT_KEYS) {
    const spec = part === "params" ? paramsSpec(given.params, route, source) : given[part];
    if (spec === undefined) continue;
    if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
      source.report(["input", part], `input.${part} must be a map of fields or a JSON Schema`);
      ok = false;
      continue;
    }
    const ajv = part === "body" ? env.bodyAjv : env.textAjv;
    const validator = compileInput(ajv, part, expandShorthand(spec as Record<string, unknown>), source, ["input", part]);
    if (validator) parts[part] = validator;
    else ok = false;
  }
  return ok ? parts : undefined;
}

/** Every `[param]` of the path is a required string unless `input.params` says more of it. */
function paramsSpec(raw: unknown, route: RouteFromPath, source: YamlSource): unknown {
  if (route.params.length === 0 && raw === undefined) return undefined;
  const declared = raw !== null && typeof raw === "object" && !Array.isArray(raw) ? (raw as Record<string, unknown>) : {};
  if (typeof declared.type === "string") return raw;
  for (const name of Object.keys(declared)) {
    if (!route.params.includes(name)) {
      source.report(["input", "params", name], `"${name}" is not a parameter of ${route.pattern}`, { atKey: true });
    }
  }
  const spec: Record<string, unknown> = {};
  for (const name of route.params) spec[name] = declared[name] ?? { type: "string", minLength: 1, maxLength: 1000 };
  return spec;
}

function compileResponse(raw: unknown, source: YamlSource, env: TemplateEnv): CompiledResponse | undefined {
  if (raw === undefined) return { status: 204, headers: [], body: undefined };
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    source.report(["response"], "response must be a map with status, headers and/or body");
    return undefined;
  }
  const record = raw as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!RESPONSE_KEYS.includes(key))
      source.report(["response", key], `unknown field "${key}"${didYouMean(key, RESPONSE_KEYS)}`, { atKey: true });
  }
  const hasBody = "body" in record;
  const status = record.status ?? (hasBody ? 200 : 204);
  if (typeof status !== "number" || !Number.isInteger(status) || status < 100 || status > 599) {
    source.report(["response", "status"], "status must be an HTTP status code (100–599)");
    return undefined;
  }
  const headers: [string, ReturnType<typeof compileTemplate>][] = [];
  if (record.headers !== undefined) {
    if (record.headers === null || typeof record.headers !== "object" || Array.isArray(record.headers)) {
      source.report(["response", "headers"], "headers must be a map of header name to text");
    } else {
      for (const [name, value] of Object.entries(record.headers)) {
        const path: PathSegment[] = ["response", "headers", name];
        if (!HEADER_NAME.test(name)) source.report(path, `"${name}" is not a valid header name`, { atKey: true });
        else if (typeof value !== "string") source.report(path, `header "${name}" must be text`);
        else headers.push([name, compileTemplate(value, env, path)]);
      }
    }
  }
  // A page is HTML: what references put into it is escaped, so a query parameter cannot become markup.
  const html = Object.entries(record.headers ?? {}).some(([name, value]) => /^content-type$/i.test(name) && /html/i.test(String(value)));
  const bodyEnv = html ? { ...env, escape: escapeHtml } : env;
  const body = hasBody ? compileTemplate(record.body, bodyEnv, ["response", "body"]) : undefined;
  return { status, headers, body };
}

/** The fields of body, query and params, where the schema allows no others: `${body.ratng}` is then a load error. */
function knownFields(input: Inputs): Map<string, Set<string>> {
  const fields = new Map<string, Set<string>>();
  for (const part of INPUT_KEYS) {
    const schema = input[part]?.schema;
    if (schema?.type === "object" && schema.additionalProperties === false && schema.properties && typeof schema.properties === "object") {
      fields.set(part, new Set(Object.keys(schema.properties)));
    }
  }
  // An endpoint without a body declares none: it has no fields at all.
  if (!input.body) fields.set("body", new Set());
  return fields;
}
