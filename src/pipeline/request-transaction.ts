import type { ControlledTransaction } from "kysely";
import type { AfterTask, Outcome } from "../actions/define-action.ts";
import type { Database, Db, Tx } from "../db/schema.ts";

/**
 * The request's one transaction, begun by the first step that needs the
 * database and not before: steps ahead of it (input checks, a password
 * compare in `prepare`) hold no connection, which on the embedded database
 * is the only one. It also keeps the after-tasks, which learn whether the
 * writes made before they were registered were committed.
 */
export class RequestTransaction {
  #trx: ControlledTransaction<Database> | undefined;
  #beginning: Promise<ControlledTransaction<Database>> | undefined;
  /** Set once the request has ended its transaction: a step still running (timed out) cannot begin another. */
  #ended = false;
  readonly #tasks: AfterTask[] = [];
  /** The first tasks whose writes were rolled back by `discard`, whatever the end. */
  #discarded = 0;

  constructor(private readonly db: Db) {}

  /** The transaction if a step has begun it, else the plain database: for work that needs no transaction. */
  get current(): Db | Tx {
    return this.#trx ?? this.db;
  }

  /** True once a step has begun the transaction: what it holds was written by steps before the one now running. */
  get begun(): boolean {
    return this.#beginning !== undefined;
  }

  /** The transaction, begun now if no step has yet. */
  async begin(): Promise<Tx> {
    if (this.#trx) return this.#trx;
    if (this.#ended) throw new Error("the request has ended: its transaction cannot begin again");
    this.#beginning ??= this.db.startTransaction().execute();
    this.#trx = await this.#beginning;
    return this.#trx;
  }

  /** Registers work for after the transaction has ended (ActionContext.after). */
  readonly after = (task: AfterTask): void => {
    this.#tasks.push(task);
  };

  /**
   * Rolls back everything written so far and leaves the transaction to be
   * begun again by the next step: the tasks registered until now are told
   * "rolled-back" however the request ends.
   */
  async discard(): Promise<void> {
    this.#discarded = this.#tasks.length;
    await this.#finish(false);
  }

  /**
   * Ends the transaction, if one was begun (or is being begun); `commit:
   * false` rolls it back. No step can begin one after this.
   */
  async end(commit: boolean): Promise<void> {
    this.#ended = true;
    await this.#finish(commit);
  }

  /** Runs the after-tasks in order, told the outcome; one that fails is handed to `onError` and the rest still run. */
  async runAfterTasks(outcome: Outcome, onError: (error: unknown) => void): Promise<void> {
    for (const [index, task] of this.#tasks.entries()) {
      try {
        await task(index < this.#discarded ? "rolled-back" : outcome);
      } catch (error) {
        onError(error);
      }
    }
  }

  async #finish(commit: boolean): Promise<void> {
    const beginning = this.#beginning;
    this.#trx = undefined;
    this.#beginning = undefined;
    if (!beginning) return;
    if (commit) {
      await (await beginning).commit().execute();
      return;
    }
    // A begin that failed left nothing to roll back.
    const trx = await beginning.catch(() => undefined);
    if (trx) await trx.rollback().execute();
  }
}
