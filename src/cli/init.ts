import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";

/** The engine's own folder (with its package.json), from src/cli or from the bundle in dist/: its app files are what a new app starts from. */
const ENGINE_ROOT = packageRoot(import.meta.dirname);

function packageRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, "package.json")) && fs.existsSync(path.join(dir, "bin", "trellis.js"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`trellis's own folder is not above ${from}`);
  }
}
/** What this repository ships as its app, copied as they are: the new app owns and edits them. */
const SHIPPED = ["endpoints", "actions", "roles.yaml", "trellis.yaml", "schema"];
/** What `npm install trellis` leaves in a folder: an app can still be made there. */
const LEFT_BY_NPM = new Set(["package.json", "package-lock.json", "node_modules", ".git"]);

/** `trellis init [dir] [--force]`: a new app folder that `trellis start` serves at once. */
export async function runInit(args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args, options: { force: { type: "boolean" } }, allowPositionals: true });
  const target = path.resolve(positionals[0] ?? ".");
  if (fs.existsSync(target) && !fs.statSync(target).isDirectory()) {
    process.stderr.write(`${target} is a file, not a folder.\n`);
    return 1;
  }
  const present = fs.existsSync(target) ? fs.readdirSync(target).filter((name) => !LEFT_BY_NPM.has(name)) : [];
  if (present.length > 0 && !values.force) {
    const shown = present.slice(0, 5).join(", ") + (present.length > 5 ? ", …" : "");
    process.stderr.write(
      `${target} is not empty (${shown}): nothing was written. Choose an empty folder, or add --force to write into it.\n`,
    );
    return 1;
  }

  const run = commandFor(target);
  fs.mkdirSync(target, { recursive: true });
  for (const name of SHIPPED) fs.cpSync(path.join(ENGINE_ROOT, name), path.join(target, name), { recursive: true });
  fs.mkdirSync(path.join(target, "migrations"), { recursive: true });
  fs.writeFileSync(path.join(target, "migrations", ".gitkeep"), "");
  fs.writeFileSync(path.join(target, ".gitignore"), GITIGNORE);
  fs.writeFileSync(path.join(target, "README.md"), appReadme(path.basename(target), run));

  const inPlace = path.relative(process.cwd(), target) === "";
  const next = inPlace ? [`${run} dev`, "curl http://localhost:3000/hello"] : [`cd ${positionals[0]}`, `${run} dev`];
  process.stdout.write(
    `Created a trellis app in ${target}: the user system (endpoints/auth, endpoints/admin), an example endpoint ` +
      "(endpoints/hello.get.yaml) and action (actions/gravatar.ts), roles.yaml, trellis.yaml and migrations/.\n\n" +
      `Next:\n  ${next.join("\n  ")}\n`,
  );
  return 0;
}

/** How to run this engine from the new app: `npx trellis` when the app's node_modules has it, else its full path. */
function commandFor(target: string): string {
  for (let dir = target; ; dir = path.dirname(dir)) {
    const installed = path.join(dir, "node_modules", "trellis");
    if (fs.existsSync(installed) && fs.realpathSync(installed) === fs.realpathSync(ENGINE_ROOT)) return "npx trellis";
    if (path.dirname(dir) === dir) return `node ${path.join(ENGINE_ROOT, "bin", "trellis.js")}`;
  }
}

const GITIGNORE = `node_modules/
# The embedded database, the generated JWT secret and the development outbox.
.data/
*.log
`;

const appReadme = (name: string, run: string) => `# ${name}

A trellis app: every file in \`endpoints/\` is one HTTP endpoint, and its path is its URL.

| command | does |
|---|---|
| \`${run} dev\` | serve on http://localhost:3000 and reload on every save |
| \`${run} start\` | serve, as in production |
| \`${run} check\` | check every file; each problem as \`file:line:col message\` |
| \`${run} users add you@example.com --password '…' --role admin\` | make the first admin |
| \`${run} openapi\` | print the OpenAPI document; the interactive page is at /docs |

- \`endpoints/auth/\`, \`endpoints/admin/\`: the user system (register, confirm, login, refresh, reset, admin). They are yours to change.
- \`endpoints/hello.get.yaml\`: an example endpoint, \`GET /hello?name=Ada\`.
- \`actions/gravatar.ts\`: an example of your own action, used by \`GET /auth/me\`.
- \`roles.yaml\`: the roles, and what each implies. \`trellis.yaml\`: app settings.
- \`schema/endpoint.schema.json\`: what editors check endpoint files against; after adding an action, \`${run} schema > schema/endpoint.schema.json\`.
- \`migrations/*.sql\`: your own tables, applied in name order at start.
- \`.data/\`: the embedded database, the generated JWT secret and the development outbox (mail saved as .eml files).

The reference is in trellis's \`docs/\` folder (\`node_modules/trellis/docs/\` once it is installed here).
`;
