import type { Ajv, ValidateFunction } from "ajv";
import type { AnyAction } from "../actions/define-action.ts";
import { isWholeReference } from "../pipeline/template.ts";
import { describeAjvError, type ErrorObject } from "./ajv.ts";

export interface OptionProblem {
  readonly at: readonly (string | number)[];
  readonly message: string;
}

/** Validates a step's options against its action's schema; one compiled validator per action. */
export class OptionsChecker {
  readonly #validators = new Map<AnyAction, ValidateFunction>();

  constructor(private readonly ajv: Ajv) {}

  validatorFor(action: AnyAction): ValidateFunction {
    let validate = this.#validators.get(action);
    if (!validate) {
      validate = this.ajv.compile(action.options);
      this.#validators.set(action, validate);
    }
    return validate;
  }

  /**
   * At load: problems in the written options. A whole `${…}` reference is
   * accepted where any value is expected (it is checked again once resolved),
   * but not under `literal: true`.
   */
  checkWritten(action: AnyAction, options: unknown): OptionProblem[] {
    const validate = this.validatorFor(action);
    if (validate(options)) return [];
    const errors = (validate.errors ?? []).filter((error) => error.keyword === "literal" || !coversReference(error, options));
    return dropBranchNoise(errors).map((error) => {
      const { field, message } = describeAjvError(error);
      return { at: field, message: `option ${field.length > 0 ? `"${field.join(".")}"` : "value"} ${message}` };
    });
  }

  /** At run time: the resolved options, when they held references. */
  checkResolved(action: AnyAction, options: unknown): string | undefined {
    const validate = this.validatorFor(action);
    if (validate(options)) return undefined;
    return (validate.errors ?? [])
      .map((error) => {
        const { field, message } = describeAjvError(error);
        return `${field.join(".") || "options"} ${message}`;
      })
      .join("; ");
  }
}

function coversReference(error: ErrorObject, options: unknown): boolean {
  let value: unknown = options;
  for (const segment of error.instancePath.split("/").slice(1)) {
    if (value === null || typeof value !== "object") return false;
    value = (value as Record<string, unknown>)[segment.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return isWholeReference(value);
}

/** An anyOf whose branches each failed says little once its branch errors are shown; keep it only alone. */
function dropBranchNoise(errors: ErrorObject[]): ErrorObject[] {
  const specific = errors.filter((error) => error.keyword !== "anyOf" && error.keyword !== "oneOf");
  return specific.length > 0 ? specific : errors;
}
