import type { StepLocation } from "../actions/define-action.ts";

/** A step that failed by fault, not by a deliberate TrellisError: carries where it sits in YAML. */
export class StepFault extends Error {
  override name = "StepFault";
  constructor(
    readonly location: StepLocation,
    readonly action: string,
    cause: unknown,
  ) {
    super(`step ${action} failed at ${location.file}:${location.line}:${location.col}`, { cause });
  }
}
