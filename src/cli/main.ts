import { parseArgs } from "node:util";
import { runCheck } from "./check.ts";
import { runInit } from "./init.ts";
import { runMigrate } from "./migrate.ts";
import { runOpenApi } from "./openapi.ts";
import { runSchema } from "./schema.ts";
import { runStart } from "./start.ts";
import { runUsers } from "./users.ts";

const USAGE = `Usage: trellis <command> [dir]

Commands:
  init [dir]      make a new app folder: the user system, an example endpoint and action
                  (refuses a folder that is not empty, unless --force)
  start [dir]     serve the app (default: APP_DIR or the current folder)
  dev [dir]       serve and reload endpoints, actions and roles on every save
  check [dir]     load and validate every file; list each error as file:line:col
  schema [dir]    print the JSON Schema of an endpoint file, for editors
  openapi [dir]   print the OpenAPI 3.1 document of the app as JSON
  migrate         apply database migrations
  users add <email> --password <pw> [--name N] [--role R]…
                  create a confirmed user (with guest and the given roles)
  users roles <email> [--add R]… [--remove R]…
                  change a user's roles
`;

/** A command resolves with its exit code, or with nothing when it keeps serving until a signal. */
type Command = (args: string[]) => Promise<number | undefined>;

const commands: Record<string, Command> = {
  init: runInit,
  start: (args) => runStart(args, { watch: false }),
  dev: (args) => runStart(args, { watch: true }),
  check: runCheck,
  schema: runSchema,
  openapi: runOpenApi,
  migrate: runMigrate,
  users: runUsers,
};

async function main(argv: string[]): Promise<number | undefined> {
  const { positionals, values } = parseArgs({
    args: argv.slice(0, 1),
    options: { help: { type: "boolean", short: "h" } },
    allowPositionals: true,
    strict: false,
  });
  const name = positionals[0];
  const command = name ? commands[name] : undefined;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  return command(argv.slice(1));
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
