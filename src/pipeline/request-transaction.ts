import type { ControlledTransaction } from "kysely";
import type { Database, Db, Tx } from "../db/schema.ts";

/**
 * The request's one transaction, begun by the first step that needs the
 * database and not before: steps ahead of it (input checks, a password
 * compare in `prepare`) hold no connection, which on the embedded database
 * is the only one.
 */
export class RequestTransaction {
  #trx: ControlledTransaction<Database> | undefined;
  #beginning: Promise<ControlledTransaction<Database>> | undefined;

  constructor(private readonly db: Db) {}

  /** The transaction if a step has begun it, else the plain database: for work that needs no transaction. */
  get current(): Db | Tx {
    return this.#trx ?? this.db;
  }

  /** The transaction, begun now if no step has yet. */
  async begin(): Promise<Tx> {
    if (this.#trx) return this.#trx;
    this.#beginning ??= this.db.startTransaction().execute();
    this.#trx = await this.#beginning;
    return this.#trx;
  }

  /** Ends the transaction, if one was begun; `commit: false` rolls it back. */
  async end(commit: boolean): Promise<void> {
    const trx = this.#trx;
    if (!trx) return;
    this.#trx = undefined;
    this.#beginning = undefined;
    await (commit ? trx.commit() : trx.rollback()).execute();
  }
}
