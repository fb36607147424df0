import type { Hono } from "hono";
import type { Services } from "./actions/define-action.ts";
import { sizeBcryptPool } from "./auth/bcrypt-pool.ts";
import { createKeyStore } from "./auth/key-store.ts";
import { pruneFlows } from "./auth/oidc/oidc-flows.ts";
import { createOidcProviders } from "./auth/oidc/oidc-providers.ts";
import { pruneHits } from "./auth/rate-limit-store.ts";
import { createSecretBox } from "./auth/secret-box.ts";
import { type Config, loadConfig } from "./config.ts";
import { migrateApp } from "./db/app-migrations.ts";
import { createDatabase, type DatabaseHandle } from "./db/create-database.ts";
import { migrate } from "./db/migrate.ts";
import { startRetention } from "./db/retention.ts";
import { syncRoles } from "./db/sync-roles.ts";
import { appView } from "./loader/app-view.ts";
import { type LoadedApp, type LoadResult, loadApp } from "./loader/load-app.ts";
import { LoadError, type LoadIssue } from "./loader/load-issue.ts";
import { createLogger, type Logger } from "./logger.ts";
import { createDeliver } from "./mail/deliver.ts";
import { createMailer } from "./mail/mailer.ts";
import { buildRouter } from "./server/build-router.ts";

export interface CreateAppOptions {
  /** Defaults to the environment's. */
  readonly config?: Config;
  /** A database the caller owns (tests share one per file); otherwise one is opened from config and closed by close(). */
  readonly database?: DatabaseHandle;
  readonly logger?: Logger;
  /** The clock every action and token check reads. */
  readonly now?: () => Date;
  /** A log line per request (method, path, status, ms, user): on in `trellis dev`. */
  readonly logRequests?: boolean;
  /**
   * For `trellis dev`, which builds a new route table on every save: a router
   * with no build step on its first request (a trie), rather than the one
   * quickest to match (one regular expression for all routes).
   */
  readonly rebuiltOften?: boolean;
  /** Where the development outbox prints mail (no SMTP_URL); stdout by default. */
  readonly printMail?: (text: string) => void;
  /** Where the client secrets that trellis.yaml's `oidc:` names are read; process.env by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface TrellisApp {
  /** The fetch handler of the current route table. */
  fetch(request: Request, env?: unknown): Promise<Response>;
  /** `app.request("/path", init)` — for tests, like Hono's. */
  request(path: string, init?: RequestInit): Promise<Response>;
  readonly config: Config;
  readonly services: Services;
  readonly loaded: LoadedApp;
  /** What the first load warned of (likely mistakes that do not stop the app). */
  readonly warnings: readonly LoadIssue[];
  /**
   * Loads the folder again and applies new app migrations; on success the new
   * route table replaces the old one at once (requests in flight finish on the
   * old one), otherwise the old one stays and the result lists the problems.
   */
  reload(version?: number): Promise<LoadResult>;
  close(): Promise<void>;
}

/** Loads and checks the app folder, migrates the database, and returns a ready app. Throws LoadError listing every problem. */
export async function createApp(options: CreateAppOptions = {}): Promise<TrellisApp> {
  const config = options.config ?? loadConfig();
  const logger = options.logger ?? createLogger(config.logLevel);
  const now = options.now ?? (() => new Date());

  // Before the app's actions load: a fault in one is logged with the lines of its TypeScript source.
  process.setSourceMapsEnabled(true);
  const first = await loadApp(config.appDir);
  if (!first.app) throw new LoadError(first.issues);
  let loaded = first.app;
  let cache = first.cache;
  const env = options.env ?? process.env;
  const oidcFor = (app: LoadedApp) =>
    createOidcProviders(app.settings.oidc, { env, production: config.production, onWarning: (message) => logger.warn(message) });
  // Before the database opens: a production start with a provider's secret missing stops here.
  const oidc = oidcFor(loaded);

  const keys = await createKeyStore(config, { now, onWarning: (message) => logger.warn(message) });
  // Resolved at start when an endpoint needs it (outside production, the key file is made now). A production start
  // without ENCRYPTION_KEY still serves everything else: those endpoints answer 503 encryption_key_missing until it is set.
  const sealsSecrets = loaded.endpoints.some((e) => e.steps.some((step) => step.action.sealsSecrets));
  const keyMissing = config.production && config.encryptionKey === undefined;
  if (sealsSecrets && keyMissing) logger.warn("ENCRYPTION_KEY is not set: two-factor enrolment and sign-in answer 503 until it is");
  const secrets = createSecretBox(config, { now: sealsSecrets && !keyMissing });
  sizeBcryptPool({ workers: config.bcryptWorkers, queue: config.bcryptQueue });
  const database =
    options.database ?? createDatabase({ url: config.databaseUrl, dataDir: config.dataDir, timeoutMs: config.databaseTimeoutMs });
  const ownsDatabase = options.database === undefined;
  try {
    await migrate(database.db);
    await migrateApp(database, config.appDir);
    await syncRoles(database.db, loaded);
  } catch (error) {
    if (ownsDatabase) await database.close();
    throw error;
  }

  const mailer = createMailer({
    db: database.db,
    deliver: createDeliver(config, options.printMail),
    logger,
    now,
    local: !config.mail.smtpUrl,
    maxAttempts: config.mail.maxAttempts,
    timeoutSeconds: config.mail.timeoutSeconds,
  });
  mailer.start();
  // Old log, delivered mail and dead tokens, now and hourly; rate-limit hits of keys used once (a new address) too.
  const retention = startRetention({ db: database.db, now, logger, policy: config.retention, alsoPrune: [pruneHits, pruneFlows] });
  let services: Services = {
    config,
    logger,
    db: database.db,
    keys,
    secrets,
    roles: loaded.roles,
    mailer,
    oidc,
    now,
    ping: () => database.ping(),
    app: appView(loaded),
  };
  const routerOptions = { logRequests: options.logRequests ?? false, rebuiltOften: options.rebuiltOften ?? false };
  let router: Hono = buildRouter(loaded, services, routerOptions);

  const app: TrellisApp = {
    fetch: (request, env) => Promise.resolve(router.fetch(request, env)),
    request: (path, init) => app.fetch(new Request(new URL(path, "http://localhost"), init)),
    config,
    warnings: first.issues,
    get services() {
      return services;
    },
    get loaded() {
      return loaded;
    },
    async reload(version) {
      const result = await loadApp(config.appDir, { cache, ...(version === undefined ? {} : { version }) });
      if (result.app) {
        // A new migration may come with the endpoints that need it; if it fails, that throws and the old table stays.
        for (const name of await migrateApp(database, config.appDir)) logger.info(`applied migration ${name}`);
        if (result.changed) {
          if (!sameRoles(result.app, loaded)) await syncRoles(database.db, result.app);
          loaded = result.app;
          // A new services object: requests still running on the old table keep the roles they started with.
          services = { ...services, roles: loaded.roles, app: appView(loaded), oidc: oidcFor(loaded) };
          router = buildRouter(loaded, services, routerOptions);
        }
      }
      // Kept once what it describes is served (or failed to load): a table that was not put in place is built again.
      cache = result.cache;
      return result;
    },
    async close() {
      await retention.stop();
      await mailer.stop();
      if (ownsDatabase) await database.close();
    },
  };
  return app;
}

const roleRows = (app: LoadedApp) => JSON.stringify([...app.roleSpecs].map(([name, spec]) => [name, spec.description ?? null]));
const sameRoles = (a: LoadedApp, b: LoadedApp) => roleRows(a) === roleRows(b);
