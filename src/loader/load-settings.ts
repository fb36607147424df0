import fs from "node:fs";
import { NO_OIDC, type OidcSettings } from "../auth/oidc/oidc-settings.ts";
import type { Resolver } from "../pipeline/template.ts";
import { compileTemplate } from "../pipeline/template.ts";
import type { LoadIssue } from "./load-issue.ts";
import { loadOidcSettings } from "./load-oidc-settings.ts";
import { asMap, unknownKeys } from "./settings-fields.ts";
import { parseYamlSource, type YamlSource } from "./yaml-source.ts";

/** trellis.yaml: what an app may change about the engine around its endpoints. */
export interface AppSettings {
  /** Put before every endpoint route, e.g. `/api`; "" for none. */
  readonly prefix: string;
  /** Authorization schemes accepted for the access token, e.g. ["Bearer"] or ["Token"]. */
  readonly authSchemes: readonly string[];
  /** Cross-origin access for browsers on other origins; undefined allows none. */
  readonly cors: { readonly origins: "*" | readonly string[]; readonly maxAgeSeconds: number } | undefined;
  readonly errors: {
    /** Status of an input validation failure. */
    readonly validationStatus: number;
    /** The app's error envelope, over `${error}`; undefined keeps trellis's own. */
    readonly body: Resolver | undefined;
  };
  /** Whether trellis serves its admin page at /admin (docs/admin-page.md); `admin_page: false` turns it off. */
  readonly adminPage: boolean;
  /** Sign-in through OpenID Connect / OAuth 2 providers (docs/sign-in-providers.md); none by default. */
  readonly oidc: OidcSettings;
}

export const DEFAULT_SETTINGS: AppSettings = {
  prefix: "",
  authSchemes: ["Bearer"],
  cors: undefined,
  errors: { validationStatus: 400, body: undefined },
  adminPage: true,
  oidc: NO_OIDC,
};

const TOP_KEYS = ["prefix", "auth", "cors", "errors", "admin_page", "oidc"];
const CORS_KEYS = ["origins", "max_age"];
const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d+)?$/;
const AUTH_KEYS = ["schemes"];
const ERROR_KEYS = ["validation_status", "body"];
const PREFIX = /^(\/[A-Za-z0-9._~-]+)+$/;
const SCHEME = /^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]*$/;

/** Reads trellis.yaml if there is one; every problem is reported with its position. */
export function loadSettings(file: string): { settings: AppSettings; issues: LoadIssue[] } {
  if (!fs.existsSync(file)) return { settings: DEFAULT_SETTINGS, issues: [] };
  const source = parseYamlSource(file, fs.readFileSync(file, "utf8"));
  if (source.issues.length > 0) return { settings: DEFAULT_SETTINGS, issues: source.issues };
  const value = source.value ?? {};
  if (typeof value !== "object" || Array.isArray(value)) {
    source.report([], "trellis.yaml must be a map with prefix, auth and/or errors");
    return { settings: DEFAULT_SETTINGS, issues: source.issues };
  }
  const record = value as Record<string, unknown>;
  unknownKeys(record, TOP_KEYS, [], source);

  let prefix = DEFAULT_SETTINGS.prefix;
  if (record.prefix !== undefined) {
    if (typeof record.prefix === "string" && PREFIX.test(record.prefix)) prefix = record.prefix;
    else source.report(["prefix"], 'prefix must be a path like "/api" (no trailing slash)');
  }

  let authSchemes = DEFAULT_SETTINGS.authSchemes;
  const auth = mapAt(record, "auth", source);
  if (auth) {
    unknownKeys(auth, AUTH_KEYS, ["auth"], source);
    const schemes = auth.schemes;
    if (schemes !== undefined) {
      if (Array.isArray(schemes) && schemes.length > 0 && schemes.every((s) => typeof s === "string" && SCHEME.test(s)))
        authSchemes = schemes;
      else source.report(["auth", "schemes"], "schemes must be a list of Authorization schemes, like [Bearer] or [Token]");
    }
  }

  let cors = DEFAULT_SETTINGS.cors;
  const corsMap = mapAt(record, "cors", source);
  if (corsMap) {
    unknownKeys(corsMap, CORS_KEYS, ["cors"], source);
    const origins = corsMap.origins;
    const maxAge = corsMap.max_age ?? 600;
    const validOrigins =
      origins === "*" || (Array.isArray(origins) && origins.length > 0 && origins.every((o) => typeof o === "string" && ORIGIN.test(o)));
    if (!validOrigins) source.report(["cors", "origins"], 'origins must be "*" or a list of origins like https://app.example.com');
    if (!Number.isInteger(maxAge) || (maxAge as number) < 0)
      source.report(["cors", "max_age"], "max_age must be a whole number of seconds");
    if (validOrigins && Number.isInteger(maxAge)) cors = { origins: origins as "*" | string[], maxAgeSeconds: maxAge as number };
  }

  let { validationStatus, body } = DEFAULT_SETTINGS.errors;
  const errors = mapAt(record, "errors", source);
  if (errors) {
    unknownKeys(errors, ERROR_KEYS, ["errors"], source);
    const status = errors.validation_status;
    if (status !== undefined) {
      if (Number.isInteger(status) && (status as number) >= 400 && (status as number) <= 499) validationStatus = status as number;
      else source.report(["errors", "validation_status"], "validation_status must be a 4xx status");
    }
    if (errors.body !== undefined) {
      body = compileTemplate(errors.body, { roots: new Set(["error"]), report: (at, message) => source.report(at, message) }, [
        "errors",
        "body",
      ]);
    }
  }
  let adminPage = DEFAULT_SETTINGS.adminPage;
  if (record.admin_page !== undefined) {
    if (typeof record.admin_page === "boolean") adminPage = record.admin_page;
    else source.report(["admin_page"], "admin_page must be true or false");
  }
  const oidc = loadOidcSettings(record.oidc, source);
  return { settings: { prefix, authSchemes, cors, errors: { validationStatus, body }, adminPage, oidc }, issues: source.issues };
}

function mapAt(record: Record<string, unknown>, key: string, source: YamlSource): Record<string, unknown> | undefined {
  return record[key] === undefined ? undefined : asMap(record[key], [key], source);
}
