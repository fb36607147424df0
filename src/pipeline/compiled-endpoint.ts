import type { AnyAction, StepLocation } from "../actions/define-action.ts";
import type { InputValidator } from "../loader/compile-input.ts";
import type { HttpMethod } from "../loader/route-from-path.ts";
import type { Access } from "../rbac/authorize.ts";
import type { Resolver } from "./template.ts";

export interface CompiledStep {
  readonly action: AnyAction;
  readonly options: Resolver;
  /** Set when the options hold references: the resolved options are checked against the action's schema. */
  readonly recheck: ((options: unknown) => string | undefined) | undefined;
  readonly as: string | undefined;
  readonly when: Resolver | undefined;
  readonly location: StepLocation;
}

export interface CompiledResponse {
  readonly status: number;
  readonly headers: ReadonlyArray<readonly [string, Resolver]>;
  readonly body: Resolver | undefined;
}

/** One endpoint file, ready to serve: nothing left to parse or look up by name. */
export interface CompiledEndpoint {
  readonly file: string;
  readonly method: HttpMethod;
  readonly pattern: string;
  readonly summary: string | undefined;
  readonly description: string | undefined;
  readonly tags: readonly string[];
  readonly allow: "public" | "authenticated" | readonly string[];
  readonly access: Access;
  /** `mfa: true`: only an access token whose `amr` holds `mfa` (a sign-in with a second factor) is let in. */
  readonly mfa: boolean;
  readonly input: {
    readonly body: InputValidator | undefined;
    readonly query: InputValidator | undefined;
    readonly params: InputValidator | undefined;
  };
  readonly steps: readonly CompiledStep[];
  readonly response: CompiledResponse;
  /** False when no step writes (all pure or reads only): no transaction is opened. */
  readonly transactional: boolean;
  /** The scope roots its references read (`body`, `request`, an `as` name…). */
  readonly reads: ReadonlySet<string>;
}
