import { databaseAction } from "../db/database-action.ts";
import { whereEquals } from "../db/where-equals.ts";
import { defineAction } from "./define-action.ts";
import { columnMapSchema, identifierSchema } from "./options/sql-identifiers.ts";

interface DeleteOptions {
  table: string;
  where: Record<string, unknown>;
  one?: boolean;
}

export default defineAction<DeleteOptions>({
  name: "db.delete",
  description:
    'Deletes the rows that match `where` (required) and returns them. With `one: true`, it returns the first or `null`. An empty list is false in `when:`, so `${!deleted}` means "nothing was deleted".',
  result: "The deleted rows; with `one: true`, the first or `null`.",
  example: `# endpoints/notes/[id].delete.yaml
# Uses the notes table of README's tutorial (migrations/001_notes.sql).
allow: [guest]
input:
  params:
    id: { type: integer, minimum: 1 }
steps:
  - db.delete: { table: notes, where: { id: "\${params.id}", author_id: "\${auth.sub}" } }
    as: deleted
  - fail: { status: 404, code: note_not_found, message: No such note of yours. }
    when: "\${!deleted}"
`,
  options: {
    type: "object",
    properties: {
      table: { ...identifierSchema, description: "The table: `name` or `schema.name`." },
      where: { ...columnMapSchema, minProperties: 1, description: "Column → value (at least one): equality on each, as in `db.select`." },
      one: { type: "boolean", literal: true, description: "`true` for the first deleted row or `null`, instead of a list." },
    },
    required: ["table", "where"],
    additionalProperties: false,
  },
  run: ({ db }, { table, where, one }) =>
    databaseAction(async () => {
      const rows = await db.deleteFrom(table).where(whereEquals(where)).returningAll().execute();
      return one ? (rows[0] ?? null) : rows;
    }),
});
