import { type Kysely, sql } from "kysely";
import type { Migration, MigrationProvider } from "kysely/migration";

/** trellis's own schema, in order. Never edit a shipped migration: add the next one. */
const migrations: Record<string, Migration> = {
  "0001_core": {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
    async up(db: Kysely<any>) {
      await db.schema
        .createTable("users")
        .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn("email", "text", (c) => c.notNull())
        .addColumn("password_hash", "text")
        .addColumn("name", "text")
        .addColumn("confirmed_at", "timestamptz")
        .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await sql`create unique index users_email_lower on users (lower(email))`.execute(db);

      await db.schema
        .createTable("roles")
        .addColumn("name", "text", (c) => c.primaryKey())
        .addColumn("description", "text")
        .execute();

      await db.schema
        .createTable("user_roles")
        .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("granted_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .addPrimaryKeyConstraint("user_roles_pk", ["user_id", "role"])
        .execute();

      await db.schema
        .createTable("one_time_tokens")
        .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("purpose", "text", (c) => c.notNull())
        .addColumn("token_hash", "text", (c) => c.notNull().unique())
        .addColumn("expires_at", "timestamptz", (c) => c.notNull())
        .addColumn("consumed_at", "timestamptz")
        .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex("one_time_tokens_user").on("one_time_tokens").columns(["user_id", "purpose"]).execute();

      await db.schema
        .createTable("refresh_tokens")
        .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("family_id", "uuid", (c) => c.notNull())
        .addColumn("token_hash", "text", (c) => c.notNull().unique())
        .addColumn("expires_at", "timestamptz", (c) => c.notNull())
        .addColumn("spent_at", "timestamptz")
        .addColumn("revoked_at", "timestamptz")
        .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex("refresh_tokens_family").on("refresh_tokens").column("family_id").execute();
      await db.schema.createIndex("refresh_tokens_user").on("refresh_tokens").column("user_id").execute();

      await db.schema
        .createTable("log")
        .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
        .addColumn("at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn("event", "text", (c) => c.notNull())
        .addColumn("user_id", "uuid")
        .addColumn("ip", "text")
        .addColumn("data", "jsonb", (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
        .execute();
      await db.schema.createIndex("log_at").on("log").column("at").execute();

      await db.schema
        .createTable("outbox")
        .addColumn("id", "bigint", (c) => c.primaryKey().generatedAlwaysAsIdentity())
        .addColumn("to", "text", (c) => c.notNull())
        .addColumn("subject", "text", (c) => c.notNull())
        .addColumn("text", "text", (c) => c.notNull())
        .addColumn("html", "text")
        .addColumn("attempts", "integer", (c) => c.notNull().defaultTo(0))
        .addColumn("next_attempt_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn("sent_at", "timestamptz")
        .addColumn("last_error", "text")
        .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await sql`create index outbox_pending on outbox (next_attempt_at) where sent_at is null`.execute(db);
    },
  },
  "0002_rate_limits": {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
    async up(db: Kysely<any>) {
      await db.schema
        .createTable("rate_limit_hits")
        .addColumn("key", "text", (c) => c.notNull())
        .addColumn("at", "timestamptz", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("rate_limit_hits_key_at").on("rate_limit_hits").columns(["key", "at"]).execute();
    },
  },
  "0003_accounts_and_failed_mail": {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
    async up(db: Kysely<any>) {
      // A disabled account keeps its rows (and its log) but can no longer sign in or refresh.
      await db.schema.alterTable("users").addColumn("disabled_at", "timestamptz").execute();
      // Mail refused for good is kept, marked failed, for an admin to see and retry; it is not retried forever.
      await db.schema.alterTable("outbox").addColumn("failed_at", "timestamptz").execute();
      await sql`drop index outbox_pending`.execute(db);
      await sql`create index outbox_pending on outbox (next_attempt_at) where sent_at is null and failed_at is null`.execute(db);
    },
  },
  "0004_rate_limit_expiry": {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
    async up(db: Kysely<any>) {
      // Each hit says when it stops mattering (its window's end), so a cap over a week is not forgotten after a day.
      await db.schema.alterTable("rate_limit_hits").addColumn("expires_at", "timestamptz").execute();
    },
  },
  "0005_totp": {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
    async up(db: Kysely<any>) {
      // One authenticator app per user; the secret is sealed with ENCRYPTION_KEY (src/auth/secret-box.ts).
      await db.schema
        .createTable("totp_factors")
        .addColumn("user_id", "uuid", (c) => c.primaryKey().references("users.id").onDelete("cascade"))
        .addColumn("secret_sealed", "text", (c) => c.notNull())
        .addColumn("confirmed_at", "timestamptz")
        // The latest 30-second step a code was accepted for: that step and every earlier one are refused (no replay).
        .addColumn("last_used_step", "bigint")
        .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema
        .createTable("totp_recovery_codes")
        .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("code_hash", "text", (c) => c.notNull())
        .addColumn("used_at", "timestamptz")
        .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex("totp_recovery_codes_user").on("totp_recovery_codes").columns(["user_id", "code_hash"]).execute();
      // How the login was proven (RFC 8176 amr values, e.g. ["pwd"] or ["mfa", "otp"]), kept through every refresh.
      await db.schema.alterTable("refresh_tokens").addColumn("amr", "jsonb").execute();
    },
  },
  "0006_identities": {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
    async up(db: Kysely<any>) {
      // A user's accounts at OpenID Connect / OAuth 2 providers: one subject of one provider belongs to one user.
      await db.schema
        .createTable("identities")
        .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn("user_id", "uuid", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("provider", "text", (c) => c.notNull())
        .addColumn("subject", "text", (c) => c.notNull())
        .addColumn("email", "text")
        .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .addColumn("last_sign_in_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .addUniqueConstraint("identities_provider_subject", ["provider", "subject"])
        .execute();
      await db.schema.createIndex("identities_user").on("identities").column("user_id").execute();
      // Sign-ins in progress, in the database rather than in memory, so the callback may reach another process or instance.
      await db.schema
        .createTable("oidc_flows")
        .addColumn("id", "uuid", (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
        .addColumn("state_hash", "text", (c) => c.notNull().unique())
        .addColumn("provider", "text", (c) => c.notNull())
        .addColumn("code_verifier", "text", (c) => c.notNull())
        .addColumn("nonce", "text", (c) => c.notNull())
        .addColumn("redirect_to", "text", (c) => c.notNull())
        // The S256 challenge of the app that started the sign-in; the code the callback issues is bound to it.
        .addColumn("app_challenge", "text", (c) => c.notNull())
        .addColumn("callback_url", "text", (c) => c.notNull())
        .addColumn("expires_at", "timestamptz", (c) => c.notNull())
        .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
        .execute();
      await db.schema.createIndex("oidc_flows_expires").on("oidc_flows").column("expires_at").execute();
      // A token issued with an S256 code challenge is spent only with its verifier (consume-token's `verifier`).
      await db.schema.alterTable("one_time_tokens").addColumn("challenge", "text").execute();
    },
  },
};

export const trellisMigrations: MigrationProvider = {
  getMigrations: async () => migrations,
};
