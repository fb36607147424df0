import fs from "node:fs";
import path from "node:path";

/**
 * An app of `count` endpoint files in folders of 50, of four shapes the
 * shipped app uses, each file's schemas its own (limits vary with n), over
 * one `items` table from migrations/: for `n` in 0, 4, 8…
 *
 * - `POST /group-NN/items-n` (guest): body schema, insert, log row → 201
 * - `GET /group-NN/items-n/:id` (signed in): path parameter, select, 404 → 200
 * - `GET /group-NN/items-n` (public): query schema, select → 200
 * - `DELETE /group-NN/items-n/:id` (admin): delete, 404 → 204
 */
export function generateApp(dir: string, count = 1000): { files: string[] } {
  fs.mkdirSync(path.join(dir, "migrations"), { recursive: true });
  fs.writeFileSync(
    path.join(dir, "roles.yaml"),
    "guest:\n  description: Writes items\nadmin:\n  description: Deletes items\n  implies: [guest]\n",
  );
  fs.writeFileSync(
    path.join(dir, "migrations", "001_items.sql"),
    "create table items (id serial primary key, kind integer not null, title text not null, body text, owner_id uuid not null);\n",
  );
  const files: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = i - (i % 4);
    const { file, text } = SHAPES[i % 4]?.(n) ?? { file: "", text: "" };
    const full = path.join(dir, "endpoints", groupOf(n), file);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, text);
    files.push(full);
  }
  return { files };
}

export const groupOf = (n: number): string => `group-${String(Math.floor(n / 50)).padStart(2, "0")}`;

const ref = (text: string) => `"\${${text}}"`;

const SHAPES: ((n: number) => { file: string; text: string })[] = [
  (n) => ({
    file: `items-${n}.post.yaml`,
    text: `summary: Write an item of kind ${n}
allow: [guest]
input:
  body:
    title: { type: string, transform: [trim], minLength: 1, maxLength: ${100 + n} }
    body?: { type: string, maxLength: ${10_000 + n} }
    tags?: { type: array, items: { type: string, maxLength: ${20 + (n % 50)} }, maxItems: 10 }
steps:
  - db.insert: { table: items, values: { kind: ${n}, title: ${ref("body.title")}, body: ${ref("body.body")}, owner_id: ${ref("auth.sub")} } }
    as: item
  - log: { event: item.created, user: ${ref("auth.sub")}, data: { item: ${ref("item.id")}, kind: ${n} } }
response:
  status: 201
  headers: { Location: "/${groupOf(n)}/items-${n}/\${item.id}" }
  body: ${ref("item")}
`,
  }),
  (n) => ({
    file: `items-${n}/[id].get.yaml`,
    text: `summary: One item of kind ${n}
allow: authenticated
input:
  params:
    id: { type: integer, minimum: 1, maximum: ${2_000_000_000 + n} }
steps:
  - db.select: { table: items, where: { id: ${ref("params.id")}, kind: ${n}, owner_id: ${ref("auth.sub")} }, one: true }
    as: item
  - fail: { status: 404, code: item_not_found, message: There is no such item. }
    when: ${ref("!item")}
response:
  body: ${ref("item")}
`,
  }),
  (n) => ({
    file: `items-${n}.get.yaml`,
    text: `summary: Items of kind ${n}
allow: public
input:
  query:
    limit?: { type: integer, minimum: 1, maximum: ${100 + n}, default: 20 }
steps:
  - db.select: { table: items, where: { kind: ${n} }, order_by: [-id], limit: ${ref("query.limit")} }
    as: items
response:
  body: { items: ${ref("items")}, kind: ${n} }
`,
  }),
  (n) => ({
    file: `items-${n}/[id].delete.yaml`,
    text: `summary: Delete an item of kind ${n}
allow: [admin]
input:
  params:
    id: { type: integer, minimum: 1, maximum: ${2_000_000_000 + n} }
steps:
  - db.delete: { table: items, where: { id: ${ref("params.id")}, kind: ${n} } }
    as: gone
  - fail: { status: 404, code: item_not_found, message: There is no such item. }
    when: ${ref("!gone")}
`,
  }),
];
