/**
 * What `trellis check` must say about tests/fixtures/warnings (one case of
 * each warning, beside files that look alike but are fine), as
 * `file:line:col warning: message` relative to the fixture folder.
 */
export const WARNING_LINES: readonly string[] = [
  'endpoints/notes/[id].get.yaml:6:9 warning: "author" is never used: no later step, when: or the response refers to it',
  "endpoints/notes/index.post.yaml:2:8 warning: public endpoint writes to the database (db.insert) without a rate-limit step or any validation (input: or a validate step)",
  "endpoints/reauth.post.yaml:8:5 warning: authenticate counts failures, but comes after db.update, which writes: failures sent in parallel may be undercounted; put authenticate before any step that writes (read a token with check-token, spend it after)",
  'roles.yaml:8:1 warning: role "editor" is never used: no endpoint allows it or a role it implies, and no grant-role or revoke-role step names it',
];
