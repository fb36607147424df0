import { databaseAction } from "../db/database-action.ts";
import { whereEquals } from "../db/where-equals.ts";
import { defineAction } from "./define-action.ts";
import { columnMapSchema, identifierSchema } from "./options/sql-identifiers.ts";

interface UpdateOptions {
  table: string;
  set: Record<string, unknown>;
  where: Record<string, unknown>;
  one?: boolean;
}

export default defineAction<UpdateOptions>({
  name: "db.update",
  description:
    "Updates the rows that match `where` and returns them. With `one: true`, it returns the first or `null`. `where` is required, so no step updates a whole table by accident.",
  result: "The updated rows; with `one: true`, the first or `null`.",
  example: `# endpoints/notes/[id].patch.yaml
# Uses the notes table of README's tutorial (migrations/001_notes.sql).
allow: [guest]
input:
  params:
    id: { type: integer, minimum: 1 }
  body:
    title: { type: string, minLength: 1, maxLength: 100 }
steps:
  - db.update:
      table: notes
      set: { title: "\${body.title}", updated_at: "\${now}" }
      where: { id: "\${params.id}", author_id: "\${auth.sub}" }
      one: true
    as: note
  - fail: { status: 404, code: note_not_found, message: No such note of yours. }
    when: "\${!note}"
response:
  body: "\${note}"
`,
  options: {
    type: "object",
    properties: {
      table: { ...identifierSchema, description: "The table: `name` or `schema.name`." },
      set: { ...columnMapSchema, minProperties: 1, description: "Column → new value (at least one)." },
      where: {
        ...columnMapSchema,
        minProperties: 1,
        description: 'Column → value (at least one): equality on each, joined with "and", as in `db.select`.',
      },
      one: { type: "boolean", literal: true, description: "`true` for the first updated row or `null`, instead of a list." },
    },
    required: ["table", "set", "where"],
    additionalProperties: false,
  },
  run: ({ db }, { table, set, where, one }) =>
    databaseAction(async () => {
      const rows = await db
        .updateTable(table)
        .set(set as never)
        .where(whereEquals(where))
        .returningAll()
        .execute();
      return one ? (rows[0] ?? null) : rows;
    }),
});
