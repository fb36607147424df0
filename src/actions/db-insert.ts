import { databaseAction } from "../db/database-action.ts";
import { defineAction } from "./define-action.ts";
import { columnMapSchema, identifierSchema } from "./options/sql-identifiers.ts";

interface InsertOptions {
  table: string;
  values: Record<string, unknown> | Record<string, unknown>[];
  on_conflict?: "nothing";
}

export default defineAction<InsertOptions>({
  name: "db.insert",
  description:
    "Inserts one row, or a list of rows, and returns what was inserted, with generated columns. A value that resolves to nothing, such as an absent optional field, is left out, so the column's default applies. A unique value already taken is 409 `conflict`, unless `on_conflict` says otherwise.",
  result: "The inserted row, with its generated columns (a list of rows for a list); `null` when `on_conflict: nothing` skipped it.",
  example: `# endpoints/notes/quick.post.yaml
# The tutorial's POST /notes (README, "A five-minute tutorial"), for any guest.
allow: [guest]
input:
  body:
    title: { type: string, minLength: 1, maxLength: 100 }
    body?: { type: string, maxLength: 10000 }
steps:
  - db.insert:
      table: notes
      values: { title: "\${body.title}", body: "\${body.body}", author_id: "\${auth.sub}" }
    as: note
response:
  status: 201
  headers: { Location: "/notes/\${note.id}" }
  body: "\${note}"
`,
  options: {
    type: "object",
    properties: {
      table: { ...identifierSchema, description: "The table: `name` or `schema.name`." },
      values: {
        anyOf: [columnMapSchema, { type: "array", items: columnMapSchema, minItems: 1 }],
        description: "Column → value, or a list of such maps for several rows.",
      },
      on_conflict: {
        type: "string",
        enum: ["nothing"],
        literal: true,
        description:
          "`nothing`: a row whose unique value is taken is not inserted, and the result is `null` (no 409). Atomic even against a concurrent insert; the shipped registration uses it.",
      },
    },
    required: ["table", "values"],
    additionalProperties: false,
  },
  run: ({ db }, { table, values, on_conflict }) =>
    databaseAction(async () => {
      let query = db.insertInto(table).values(values as never);
      if (on_conflict === "nothing") query = query.onConflict((oc) => oc.doNothing());
      const rows = await query.returningAll().execute();
      return Array.isArray(values) ? rows : (rows[0] ?? null);
    }),
});
