import { defineAction, type EndpointView } from "./define-action.ts";

export default defineAction<Record<string, never>, readonly EndpointView[]>({
  name: "list-endpoints",
  pure: true,
  description:
    "Lists the endpoints the app serves right now (after a `trellis dev` reload, the new table), sorted by path then method: who may call each (`allow:` as written), its summary, and the file and line of its `allow:`, the file relative to the app folder.",
  result:
    "A list of `{ method, path, allow, summary, file, line }`; `path` has the app's prefix and `{name}` parameters, `allow` is `public`, `authenticated` or a list of roles.",
  example: `# endpoints/admin/endpoints.get.yaml
allow: [admin]
steps:
  - list-endpoints: {}
    as: endpoints
response:
  body: { endpoints: "\${endpoints}" }
`,
  options: { type: "object", properties: {}, additionalProperties: false },
  run: ({ services }) => services.app.endpoints(),
});
