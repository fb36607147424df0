import type { ActionContext } from "../actions/define-action.ts";
import { TrellisError } from "../errors.ts";
import type { CompiledStep } from "./compiled-endpoint.ts";
import { Reply } from "./reply.ts";
import type { RequestTransaction } from "./request-transaction.ts";
import { isTruthy, type Scope } from "./scope.ts";
import { StepFault } from "./step-fault.ts";
import { type StepDeadline, StepTimeout } from "./step-timeout.ts";

type StepContext = Omit<ActionContext, "step" | "scope" | "db">;

/**
 * The request path: one loop over compiled steps. A step's result is put in
 * scope under its `as` name; a Reply ends the loop early. A step that may
 * write runs in the request's transaction, begun for the first such step once
 * its `prepare` (if any) is done; steps that only read (or touch no database)
 * use that transaction once it exists, and the plain database until then.
 * Each step may run for the deadline's timeout.
 */
export async function runSteps(
  steps: readonly CompiledStep[],
  scope: Scope,
  context: StepContext,
  transaction: RequestTransaction,
  deadline: StepDeadline,
): Promise<Reply | undefined> {
  for (const step of steps) {
    if (step.when && !isTruthy(step.when(scope))) continue;
    const options = step.options(scope);
    let result: unknown;
    try {
      result = await deadline.watch(step, runStep(step, options, { ...context, scope, step: step.location }, transaction));
    } catch (error) {
      if (error instanceof TrellisError || error instanceof StepTimeout) throw error;
      throw new StepFault(step.location, step.action.name, error, context.services.config.appDir);
    }
    if (result instanceof Reply) return result;
    if (step.as) scope[step.as] = result;
  }
  return undefined;
}

async function runStep(
  step: CompiledStep,
  options: unknown,
  context: Omit<ActionContext, "db">,
  transaction: RequestTransaction,
): Promise<unknown> {
  const { action } = step;
  const problem = step.recheck?.(options);
  if (problem) throw new Error(`options once resolved are not valid: ${problem}`);
  const prepared = action.prepare ? await action.prepare({ ...context, db: transaction.current }, options) : undefined;
  const writes = !(action.pure || action.readsOnly);
  // What the transaction holds before this step begins it, earlier steps wrote.
  const afterOthers = transaction.begun;
  const db = writes ? await transaction.begin() : transaction.current;
  try {
    return await action.run({ ...context, db }, options, prepared);
  } catch (error) {
    if (!(error instanceof TrellisError && error.keepWrites) || !afterOthers) throw error;
    if (!writes) {
      await transaction.discard();
      throw error;
    }
    throw await keepOnlyThisStep(
      error,
      () => transaction.begin().then((fresh) => action.run({ ...context, db: fresh }, options, prepared)),
      transaction,
    );
  }
}

/**
 * A step failed with keepWrites (a failed login counted, a stolen refresh
 * token's login revoked), but earlier steps wrote in the same transaction,
 * and those must not be committed. A transaction cannot keep later writes
 * and drop earlier ones, so it is rolled back and the step runs again, alone,
 * in a fresh one. When it fails the same way, that is what the request
 * commits; when it does not (its failure came from the earlier writes),
 * nothing is kept and the first failure is the answer.
 */
async function keepOnlyThisStep(
  failure: TrellisError,
  runAgain: () => Promise<unknown>,
  transaction: RequestTransaction,
): Promise<unknown> {
  await transaction.discard();
  try {
    await runAgain();
  } catch (again) {
    if (again instanceof TrellisError && again.keepWrites) return again;
  }
  await transaction.discard();
  return new TrellisError(failure.status, failure.code, failure.message, failure.details, {
    cause: failure,
    headers: failure.headers,
    keepWrites: false,
  });
}
