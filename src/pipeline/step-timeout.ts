import type { StepLocation } from "../actions/define-action.ts";

/** A step ran past STEP_TIMEOUT: the request is answered 504 and its transaction rolled back. */
export class StepTimeout extends Error {
  override name = "StepTimeout";
  constructor(
    readonly location: StepLocation,
    readonly action: string,
    readonly timeoutMs: number,
  ) {
    super(`step ${action} at ${location.file}:${location.line}:${location.col} ran past ${timeoutMs} ms`);
  }
}

interface WatchedStep {
  readonly location: StepLocation;
  readonly action: { readonly name: string };
}

/**
 * The clock of one request's steps: one timer for the whole request, set
 * again as each step begins (Timeout.refresh, no new timer), so every step
 * gets the full timeout and an endpoint without steps pays nothing.
 */
export class StepDeadline {
  #timer: NodeJS.Timeout | undefined;
  #step: WatchedStep | undefined;
  #expire: ((error: StepTimeout) => void) | undefined;

  constructor(private readonly timeoutMs: number) {}

  /** Settles as `work` does, or rejects with a StepTimeout once `step` has run for the timeout. */
  watch<T>(step: WatchedStep, work: Promise<T>): Promise<T> {
    this.#step = step;
    if (this.#timer) this.#timer.refresh();
    else this.#timer = setTimeout(() => this.#fire(), this.timeoutMs);
    return new Promise<T>((resolve, reject) => {
      this.#expire = reject;
      work.then(resolve, reject);
    });
  }

  /** Called once the steps are done: no timer outlives its request. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#expire = undefined;
  }

  #fire(): void {
    const step = this.#step;
    if (step) this.#expire?.(new StepTimeout(step.location, step.action.name, this.timeoutMs));
  }
}
