import type { KeyStore } from "../auth/key-store.ts";
import type { OidcProviders } from "../auth/oidc/oidc-providers.ts";
import type { SecretBox } from "../auth/secret-box.ts";
import type { Config } from "../config.ts";
import type { Db, Tx } from "../db/schema.ts";
import type { Logger } from "../logger.ts";
import type { Mailer } from "../mail/mailer.ts";
import type { Scope } from "../pipeline/scope.ts";
import type { RoleGraph, RoleSpec } from "../rbac/role-graph.ts";

/** A JSON Schema, as ajv takes it. */
export type JsonSchema = Record<string, unknown>;

/** Long-lived parts an action may use; one set per running app. */
export interface Services {
  readonly config: Config;
  readonly logger: Logger;
  /**
   * The database outside any request transaction: for `after` tasks only, since
   * on the embedded database a request's transaction holds the one connection.
   */
  readonly db: Db;
  readonly keys: KeyStore;
  /** Seals secrets kept in the database (ENCRYPTION_KEY). */
  readonly secrets: SecretBox;
  readonly roles: RoleGraph;
  readonly mailer: Mailer;
  /** The sign-in providers of trellis.yaml's `oidc:`, with their secrets; replaced on every reload. */
  readonly oidc: OidcProviders;
  /** What the engine loaded (roles.yaml, the endpoint table), replaced on every reload: for actions that describe the app. */
  readonly app: AppView;
  /** Resolves when the database answers; for health checks. */
  ping(): Promise<void>;
  /** Injected so tests can freeze time. */
  now(): Date;
}

/** The loaded app as the admin endpoints show it. */
export interface AppView {
  /** roles.yaml as loaded: each role's description and the roles it implies directly. */
  readonly roleSpecs: ReadonlyMap<string, RoleSpec>;
  /** The endpoint table, sorted by path then method; each file is read once per table, for the line of its `allow:`. */
  endpoints(): Promise<readonly EndpointView[]>;
}

export interface EndpointView {
  readonly method: string;
  /** With the app's prefix, parameters as `{id}`. */
  readonly path: string;
  readonly allow: "public" | "authenticated" | readonly string[];
  readonly summary: string | null;
  /** Relative to the app folder, with `/` separators. */
  readonly file: string;
  /** Where `allow:` is written in the file. */
  readonly line: number;
}

/** Where a step sits in its YAML file, for error messages and logs. */
export interface StepLocation {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

export interface ActionContext {
  /** Request input, principal and earlier steps' results by `as` name. */
  readonly scope: Scope;
  /** The request's transaction: everything written here is rolled back if a later step fails. */
  readonly db: Tx | Db;
  readonly services: Services;
  readonly step: StepLocation;
  readonly request: RequestInfo;
  /**
   * Runs `task` once the request's transaction has ended, told whether it
   * committed: for writes that must survive a rollback (a failed login
   * counted) and for work that must wait for the commit (mail delivery).
   */
  after(task: AfterTask): void;
}

export type Outcome = "committed" | "rolled-back";
export type AfterTask = (outcome: Outcome) => void | Promise<void>;

export interface RequestInfo {
  readonly method: string;
  readonly path: string;
  readonly ip: string | null;
  readonly user_agent: string | null;
  /**
   * The request's cookies by name. Not enumerable, so `${request}` as a whole
   * (in a log step, say) never carries a session cookie; `${request.cookies.name}` reads one.
   */
  readonly cookies: Readonly<Record<string, string>>;
}

export interface ActionErrorDoc {
  readonly status: number;
  readonly code: string;
  /** When it happens, in a sentence. */
  readonly when: string;
}

/** A problem an action's `check` finds in literal options; `at` is a path below the options. */
export type CheckIssue = string | { readonly at: readonly (string | number)[]; readonly message: string };

export interface CheckEnv {
  readonly roles: RoleGraph;
}

export interface ActionDefinition<O = Record<string, unknown>, R = unknown, P = undefined> {
  /** kebab-case (dots allowed for families like `db.insert`); for an app's action, the file name. */
  readonly name: string;
  /** What the action does: a sentence or a short paragraph, shown by docs/actions.md and editors (the endpoint schema). */
  readonly description: string;
  /**
   * JSON Schema of the options, checked at load. A whole `${…}` reference
   * passes wherever a value is expected, except under `literal: true`, and
   * is checked again against the schema once resolved. A `description` on
   * each option is what docs/actions.md and editors show for it.
   */
  readonly options: JsonSchema;
  /** What `as:` keeps, in one sentence (documentation only). */
  readonly result?: string;
  /**
   * A complete endpoint file that uses the action, in YAML, whose first line
   * is a comment naming its path (`# endpoints/age.post.yaml`); documentation
   * only, and a test loads it.
   */
  readonly example?: string;
  /** The errors the action itself may answer, for the OpenAPI document of every endpoint that uses it. */
  readonly errors?: readonly ActionErrorDoc[];
  /** Options whose interpolated `${…}` values are HTML-escaped (mail bodies, pages). */
  readonly html?: readonly string[];
  /** Set when the action never touches the database, so a pipeline of such steps opens no transaction. */
  readonly pure?: boolean;
  /**
   * Set when the action only reads the database. A read needs no
   * transaction, so until a step that writes begins one, such steps read the
   * database as it is: an endpoint that only reads opens no transaction.
   */
  readonly readsOnly?: boolean;
  /** Set when the action seals or opens secrets with ENCRYPTION_KEY: without the key in production, it answers 503. */
  readonly sealsSecrets?: boolean;
  /**
   * Set when the action counts failures under a lock (wrong passwords, wrong
   * codes) and keeps the count through the rollback. After a step that writes,
   * the count is kept by running the step again in a fresh transaction, and
   * guesses sent in parallel can slip between the two runs: `trellis check`
   * warns of such an order.
   */
  readonly countsFailures?: boolean;
  /** Extra load-time checks on the raw options (references still unresolved). */
  check?(options: O, env: CheckEnv): CheckIssue[];
  /**
   * Work a step can do before it needs the request's transaction, such as a
   * slow password compare: while no earlier step has begun the transaction,
   * `ctx.db` is the plain database and no connection is held meanwhile. What
   * it returns is `run`'s third argument.
   */
  prepare?(ctx: ActionContext, options: O): P | Promise<P>;
  run(ctx: ActionContext, options: O, ...prepared: P extends undefined ? [] : [prepared: P]): R | Promise<R>;
}

/**
 * Declares an action: a plain frozen object, so a test can call `run` directly.
 *
 * @example
 * export default defineAction({
 *   name: "shout",
 *   description: "Upper-cases a text",
 *   options: { type: "object", properties: { text: { type: "string" } }, required: ["text"] },
 *   pure: true,
 *   run: (_ctx, { text }) => text.toUpperCase(),
 * });
 */
export function defineAction<O = Record<string, unknown>, R = unknown, P = undefined>(
  definition: ActionDefinition<O, R, P>,
): Readonly<ActionDefinition<O, R, P>> {
  return Object.freeze(definition);
}

// biome-ignore lint/suspicious/noExplicitAny: a registry holds actions of every option type
export type AnyAction = ActionDefinition<any, unknown, any>;
