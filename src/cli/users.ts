import path from "node:path";
import { loadConfig } from "../config.ts";
import { createDatabase } from "../db/create-database.ts";
import { DataDirInUseError } from "../db/data-dir-lock.ts";
import { migrate } from "../db/migrate.ts";
import { loadRoles } from "../loader/load-roles.ts";
import { askControlSocket } from "./control-socket.ts";
import { runUserCommand, USERS_USAGE } from "./user-commands.ts";

/**
 * `trellis users …`: what an operator needs before any admin exists. When a
 * running server holds the embedded database, it runs the command instead.
 */
export async function runUsers(args: string[]): Promise<number> {
  if (args[0] !== "add" && args[0] !== "roles") {
    process.stderr.write(USERS_USAGE);
    return 2;
  }
  const config = loadConfig();
  const result = await (async () => {
    let database: ReturnType<typeof createDatabase>;
    try {
      database = createDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
    } catch (error) {
      if (!(error instanceof DataDirInUseError)) throw error;
      return askControlSocket(config.dataDir, args).catch(() => {
        throw error;
      });
    }
    try {
      await migrate(database.db);
      const roles = loadRoles(path.join(config.appDir, "roles.yaml")).graph;
      return await runUserCommand(database.db, args, roles.names, config.bcryptCost);
    } finally {
      await database.close();
    }
  })();
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  return result.code;
}
