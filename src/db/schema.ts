import type { ColumnType, Generated, Kysely, Transaction } from "kysely";

type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** The tables trellis itself owns. App tables are reached through db.* actions by name. */
export interface TrellisTables {
  users: {
    id: Generated<string>;
    email: string;
    password_hash: string | null;
    name: string | null;
    confirmed_at: NullableTimestamp;
    disabled_at: NullableTimestamp;
    created_at: CreatedAt;
    updated_at: Timestamp;
  };
  roles: { name: string; description: string | null };
  user_roles: { user_id: string; role: string; granted_at: CreatedAt };
  one_time_tokens: {
    id: Generated<string>;
    user_id: string;
    purpose: string;
    token_hash: string;
    /** base64url(SHA-256(verifier)) when issued with `challenge`: then only that verifier spends it. */
    challenge: string | null;
    expires_at: Timestamp;
    consumed_at: NullableTimestamp;
    created_at: CreatedAt;
  };
  refresh_tokens: {
    id: Generated<string>;
    user_id: string;
    family_id: string;
    token_hash: string;
    expires_at: Timestamp;
    spent_at: NullableTimestamp;
    revoked_at: NullableTimestamp;
    /** The login's authentication methods (RFC 8176), as JSON text on insert; null for logins before migration 0005. */
    amr: ColumnType<string[] | null, string | null | undefined, string | null>;
    created_at: CreatedAt;
  };
  totp_factors: {
    user_id: string;
    /** The base32 secret sealed with ENCRYPTION_KEY: never stored in plain. */
    secret_sealed: string;
    /** Null until the first code confirms the enrolment; only a confirmed factor is asked for at sign-in. */
    confirmed_at: NullableTimestamp;
    /** The latest time step a code was accepted for (bigint: text from the driver). */
    last_used_step: ColumnType<string | null, number | string | null | undefined, number | string | null>;
    created_at: CreatedAt;
  };
  totp_recovery_codes: {
    id: Generated<string>;
    user_id: string;
    /** SHA-256 of the code: codes are random and long, so a fast hash is enough. */
    code_hash: string;
    used_at: NullableTimestamp;
    created_at: CreatedAt;
  };
  log: {
    id: Generated<number>;
    at: CreatedAt;
    event: string;
    user_id: string | null;
    ip: string | null;
    data: ColumnType<Record<string, unknown>, string, string>;
  };
  rate_limit_hits: {
    key: string;
    at: ColumnType<Date, Date, never>;
    /** The end of the window the hit was counted in; null for hits written before migration 0004 (a day). */
    expires_at: ColumnType<Date | null, Date | undefined, never>;
  };
  outbox: {
    id: Generated<number>;
    to: string;
    subject: string;
    text: string;
    html: string | null;
    attempts: Generated<number>;
    next_attempt_at: Timestamp;
    sent_at: NullableTimestamp;
    failed_at: NullableTimestamp;
    last_error: string | null;
    created_at: CreatedAt;
  };
  identities: {
    id: Generated<string>;
    user_id: string;
    /** The provider's name in trellis.yaml (`oidc.providers`). */
    provider: string;
    /** The provider's stable id for the account (`sub`, or GitHub's numeric `id`). */
    subject: string;
    /** The verified address the provider gave at the last sign-in. */
    email: string | null;
    created_at: CreatedAt;
    last_sign_in_at: Timestamp;
  };
  oidc_flows: {
    id: Generated<string>;
    /** SHA-256 of the `state` the browser carries (in the URL and its cookie); the state itself is never stored. */
    state_hash: string;
    provider: string;
    code_verifier: string;
    nonce: string;
    redirect_to: string;
    /** The S256 code challenge the app started with; the callback's code is issued bound to it. */
    app_challenge: string;
    callback_url: string;
    expires_at: Timestamp;
    created_at: CreatedAt;
  };
}

// biome-ignore lint/suspicious/noExplicitAny: app tables are only known at run time
export type Database = TrellisTables & Record<string, any>;
export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
