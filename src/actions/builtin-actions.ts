import dbDelete from "./db-delete.ts";
import dbInsert from "./db-insert.ts";
import dbQuery from "./db-query.ts";
import dbSelect from "./db-select.ts";
import dbUpdate from "./db-update.ts";
import type { AnyAction } from "./define-action.ts";
import fail from "./fail.ts";
import log from "./log.ts";
import respond from "./respond.ts";
import validate from "./validate.ts";

/** Every built-in action by name: the loader, the endpoint-file schema and the docs all read this one list. */
export const builtinActions: ReadonlyMap<string, AnyAction> = new Map(
  [validate, dbQuery, dbInsert, dbUpdate, dbSelect, dbDelete, fail, respond, log].map((action) => [action.name, action as AnyAction]),
);
