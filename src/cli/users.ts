import path from "node:path";
import { parseArgs } from "node:util";
import { findUser } from "../auth/find-user.ts";
import { normalizeEmail } from "../auth/normalize-email.ts";
import { hashPassword } from "../auth/passwords.ts";
import { loadConfig } from "../config.ts";
import { createDatabase } from "../db/create-database.ts";
import { migrate } from "../db/migrate.ts";
import type { Db } from "../db/schema.ts";
import { loadRoles } from "../loader/load-roles.ts";

const USAGE = `Usage:
  trellis users add <email> --password <pw> [--name N] [--role R]…   create a confirmed user
  trellis users roles <email> [--add R]… [--remove R]…              change a user's roles
`;

/** `trellis users …`: what an operator needs before any admin exists. */
export async function runUsers(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== "add" && sub !== "roles") {
    process.stderr.write(USAGE);
    return 2;
  }
  const config = loadConfig();
  const roles = loadRoles(path.join(config.appDir, "roles.yaml")).graph;
  const database = createDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrate(database.db);
    return sub === "add"
      ? await addUser(database.db, rest, roles.names, config.bcryptCost)
      : await changeRoles(database.db, rest, roles.names);
  } finally {
    await database.close();
  }
}

async function addUser(db: Db, args: string[], known: ReadonlySet<string>, cost: number): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { password: { type: "string" }, name: { type: "string" }, role: { type: "string", multiple: true } },
  });
  const email = positionals[0] ? normalizeEmail(positionals[0]) : undefined;
  const password = values.password;
  const problems = [
    ...(email && /^[^\s@]+@[^\s@]+$/.test(email) ? [] : ["give the email address as the first argument"]),
    ...(password && Buffer.byteLength(password) >= 8 && Buffer.byteLength(password) <= 72 ? [] : ["--password must be 8 to 72 bytes"]),
    ...unknownRoles(values.role ?? [], known),
  ];
  if (problems.length > 0 || !email || !password) return fail(problems);
  if (await findUser(db, { email })) return fail([`${email} is already registered; use \`trellis users roles\``]);

  const passwordHash = await hashPassword(password, cost);
  await db.transaction().execute(async (trx) => {
    const user = await trx
      .insertInto("users")
      .values({ email, password_hash: passwordHash, name: values.name ?? null, confirmed_at: new Date() })
      .returning("id")
      .executeTakeFirstOrThrow();
    const granted = [...new Set(["guest", ...(values.role ?? [])])].filter((role) => known.has(role));
    if (granted.length > 0)
      await trx
        .insertInto("user_roles")
        .values(granted.map((role) => ({ user_id: user.id, role })))
        .execute();
    await trx
      .insertInto("log")
      .values({ event: "user.created", user_id: user.id, ip: null, data: JSON.stringify({ by: "cli", roles: granted }) })
      .execute();
  });
  process.stdout.write(`created ${email}\n`);
  return 0;
}

async function changeRoles(db: Db, args: string[], known: ReadonlySet<string>): Promise<number> {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: { add: { type: "string", multiple: true }, remove: { type: "string", multiple: true } },
  });
  const add = values.add ?? [];
  const remove = values.remove ?? [];
  const problems = [
    ...(positionals[0] ? [] : ["give the email address as the first argument"]),
    ...unknownRoles([...add, ...remove], known),
  ];
  if (problems.length > 0 || !positionals[0]) return fail(problems);
  const user = await findUser(db, { email: positionals[0] });
  if (!user) return fail([`no user has the address ${positionals[0]}`]);

  await db.transaction().execute(async (trx) => {
    if (add.length > 0) {
      await trx
        .insertInto("user_roles")
        .values(add.map((role) => ({ user_id: user.id, role })))
        .onConflict((oc) => oc.columns(["user_id", "role"]).doNothing())
        .execute();
    }
    if (remove.length > 0) await trx.deleteFrom("user_roles").where("user_id", "=", user.id).where("role", "in", remove).execute();
    await trx
      .insertInto("log")
      .values({ event: "roles.changed", user_id: user.id, ip: null, data: JSON.stringify({ by: "cli", add, remove }) })
      .execute();
  });
  const rows = await db.selectFrom("user_roles").select("role").where("user_id", "=", user.id).orderBy("role").execute();
  process.stdout.write(`${user.email}: ${rows.map((row) => row.role).join(", ") || "(no roles)"}\n`);
  return 0;
}

const unknownRoles = (roles: readonly string[], known: ReadonlySet<string>): string[] =>
  roles.filter((role) => !known.has(role)).map((role) => `unknown role "${role}"; roles.yaml declares ${[...known].join(", ")}`);

function fail(problems: string[]): number {
  for (const problem of problems) process.stderr.write(`error: ${problem}\n`);
  process.stderr.write(`\n${USAGE}`);
  return 1;
}
