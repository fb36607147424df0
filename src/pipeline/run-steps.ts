import type { ActionContext } from "../actions/define-action.ts";
import { TrellisError } from "../errors.ts";
import type { CompiledStep } from "./compiled-endpoint.ts";
import { Reply } from "./reply.ts";
import type { RequestTransaction } from "./request-transaction.ts";
import { isTruthy, type Scope } from "./scope.ts";
import { StepFault } from "./step-fault.ts";

/**
 * The request path: one loop over compiled steps. A step's result is put in
 * scope under its `as` name; a Reply ends the loop early. A step that may
 * write runs in the request's transaction, begun for the first such step once
 * its `prepare` (if any) is done; steps that only read (or touch no database)
 * use that transaction once it exists, and the plain database until then.
 */
export async function runSteps(
  steps: readonly CompiledStep[],
  scope: Scope,
  context: Omit<ActionContext, "step" | "scope" | "db">,
  transaction: RequestTransaction,
): Promise<Reply | undefined> {
  for (const step of steps) {
    if (step.when && !isTruthy(step.when(scope))) continue;
    const options = step.options(scope);
    const { action } = step;
    let result: unknown;
    try {
      const problem = step.recheck?.(options);
      if (problem) throw new Error(`options once resolved are not valid: ${problem}`);
      const prepared = action.prepare
        ? await action.prepare({ ...context, scope, step: step.location, db: transaction.current }, options)
        : undefined;
      const db = action.pure || action.readsOnly ? transaction.current : await transaction.begin();
      result = await action.run({ ...context, scope, step: step.location, db }, options, prepared);
    } catch (error) {
      if (error instanceof TrellisError) throw error;
      throw new StepFault(step.location, step.action.name, error);
    }
    if (result instanceof Reply) return result;
    if (step.as) scope[step.as] = result;
  }
  return undefined;
}
