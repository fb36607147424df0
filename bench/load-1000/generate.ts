/**
 * An app of 1,000 endpoint files, of four shapes the shipped app uses: a
 * public GET with a validated query, an authenticated GET by path parameter
 * with a SELECT and a 404, a POST for a role with a body schema, an insert and
 * a log row, and a DELETE for admins. 50 files per folder.
 */
import fs from "node:fs";
import path from "node:path";

const SHAPES = [
  (n: number) => ({
    file: `items-${n}.get.yaml`,
    text: `summary: List items ${n}
allow: public
input:
  query:
    q?: { type: string, minLength: 1, maxLength: 100 }
    limit?: { type: integer, minimum: 1, maximum: 100, default: 20 }
steps:
  - db.select: { table: items, where: { kind: "${"$"}{query.q}" }, order_by: [-id], limit: "${"$"}{query.limit}" }
    as: items
response:
  body: { items: "${"$"}{items}", page: ${n} }
`,
  }),
  (n: number) => ({
    file: `items-${n}/[id].get.yaml`,
    text: `summary: One item ${n}
allow: authenticated
input:
  params:
    id: { type: integer, minimum: 1 }
steps:
  - db.select: { table: items, where: { id: "${"$"}{params.id}", owner_id: "${"$"}{auth.sub}" }, one: true }
    as: item
  - fail: { status: 404, code: item_not_found, message: There is no such item. }
    when: "${"$"}{!item}"
response:
  body: "${"$"}{item}"
`,
  }),
  (n: number) => ({
    file: `items-${n}.post.yaml`,
    text: `summary: Write an item ${n}
allow: [guest]
input:
  body:
    title: { type: string, transform: [trim], minLength: 1, maxLength: 200 }
    body?: { type: string, maxLength: 10000 }
    tags?: { type: array, items: { type: string, maxLength: 30 }, maxItems: 10 }
steps:
  - db.insert: { table: items, values: { title: "${"$"}{body.title}", body: "${"$"}{body.body}", owner_id: "${"$"}{auth.sub}" } }
    as: item
  - log: { event: item.created, user: "${"$"}{auth.sub}", data: { item: "${"$"}{item.id}", n: ${n} } }
response:
  status: 201
  headers: { Location: "/items-${n}/${"$"}{item.id}" }
  body: "${"$"}{item}"
`,
  }),
  (n: number) => ({
    file: `items-${n}/[id].delete.yaml`,
    text: `summary: Delete an item ${n}
allow: [admin]
input:
  params:
    id: { type: integer, minimum: 1 }
steps:
  - db.delete: { table: items, where: { id: "${"$"}{params.id}" } }
    as: gone
  - fail: { status: 404, code: item_not_found, message: There is no such item. }
    when: "${"$"}{!gone}"
`,
  }),
];

export const ENDPOINTS = 1000;

/** Writes the app under `dir` (roles.yaml and endpoints/); returns one file to change for a reload. */
export function generateApp(dir: string, roles: string): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, "roles.yaml"), roles);
  let first = "";
  for (let i = 0; i < ENDPOINTS; i++) {
    const shape = SHAPES[i % SHAPES.length];
    if (!shape) continue;
    const { file, text } = shape(i);
    const full = path.join(dir, "endpoints", `group-${String(Math.floor(i / 50)).padStart(2, "0")}`, file);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, text);
    first ||= full;
  }
  return first;
}
