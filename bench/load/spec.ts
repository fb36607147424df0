/** What the bench asks of one load run: the parent writes it as JSON, the driver process reads it. */
export type RequestSpec =
  /** The same request on every connection. */
  | { kind: "static"; method: string; path: string; headers?: Record<string, string>; body?: string }
  /** Connection i sends bodies[i % n] every time (logins: one user per connection). */
  | { kind: "body-per-connection"; method: string; path: string; headers?: Record<string, string>; bodies: string[] }
  /**
   * Refresh token chains: each connection takes one unspent token from the pool, then sends the
   * refresh_token of each answer in the next request, as a client does. A non-200 answer ends the
   * chain and the connection takes the next token from the pool.
   */
  | { kind: "refresh-chain"; path: string; tokens: string[] }
  /** Each request carries the next of many access tokens: more than a verified-token cache holds. */
  | { kind: "rotating-bearer"; path: string; tokens: string[] };

export interface LoadSpec {
  readonly url: string;
  readonly connections: number;
  readonly duration: number;
  /** Seconds of load before the measured run, with the same request; not measured. */
  readonly warmup?: number;
  /** Milliseconds to wait between the warm-up and the measured run, for requests the warm-up left in flight to finish. */
  readonly settle_ms?: number;
  readonly request: RequestSpec;
}

export interface LoadResult {
  readonly rps: number;
  readonly total: number;
  /** Milliseconds, from every response's own timing (autocannon's histogram rounds to whole ms). */
  readonly p50_ms: number;
  readonly p99_ms: number;
  readonly mean_ms: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly status: Record<string, number>;
  /** refresh-chain only: chains that ended on a non-200 answer. */
  readonly chain_breaks?: number;
}
