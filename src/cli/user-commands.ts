import { parseArgs } from "node:util";
import { findUser } from "../auth/find-user.ts";
import { normalizeEmail } from "../auth/normalize-email.ts";
import { hashPassword } from "../auth/passwords.ts";
import type { Db } from "../db/schema.ts";
import { writeLog } from "../db/write-log.ts";

export const USERS_USAGE = `Usage:
  trellis users add <email> --password <pw> [--name N] [--role R]…   create a confirmed user
  trellis users roles <email> [--add R]… [--remove R]…              change a user's roles
`;

export interface Output {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface UserCommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `users add` and `users roles` on a database: run by the CLI itself, or by
 * a running server on the CLI's behalf when it holds the embedded database.
 */
export async function runUserCommand(
  db: Db,
  args: readonly string[],
  knownRoles: ReadonlySet<string>,
  bcryptCost: number,
): Promise<UserCommandResult> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const out: Output = { stdout: (text) => stdout.push(text), stderr: (text) => stderr.push(text) };
  const [sub, ...rest] = args;
  let code: number;
  if (sub === "add") code = await addUser(db, rest, knownRoles, bcryptCost, out);
  else if (sub === "roles") code = await changeRoles(db, rest, knownRoles, out);
  else {
    out.stderr(USERS_USAGE);
    code = 2;
  }
  return { code, stdout: stdout.join(""), stderr: stderr.join("") };
}

async function addUser(db: Db, args: string[], known: ReadonlySet<string>, cost: number, out: Output): Promise<number> {
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
  if (problems.length > 0 || !email || !password) return fail(problems, out);
  if (await findUser(db, { email })) return fail([`${email} is already registered; use \`trellis users roles\``], out);

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
    await writeLog(trx, { event: "user.created", user: user.id, ip: null, data: { by: "cli", roles: granted } });
  });
  out.stdout(`created ${email}\n`);
  return 0;
}

async function changeRoles(db: Db, args: string[], known: ReadonlySet<string>, out: Output): Promise<number> {
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
  if (problems.length > 0 || !positionals[0]) return fail(problems, out);
  const user = await findUser(db, { email: positionals[0] });
  if (!user) return fail([`no user has the address ${positionals[0]}`], out);

  await db.transaction().execute(async (trx) => {
    if (add.length > 0) {
      await trx
        .insertInto("user_roles")
        .values(add.map((role) => ({ user_id: user.id, role })))
        .onConflict((oc) => oc.columns(["user_id", "role"]).doNothing())
        .execute();
    }
    if (remove.length > 0) await trx.deleteFrom("user_roles").where("user_id", "=", user.id).where("role", "in", remove).execute();
    await writeLog(trx, { event: "roles.changed", user: user.id, ip: null, data: { by: "cli", add, remove } });
  });
  const rows = await db.selectFrom("user_roles").select("role").where("user_id", "=", user.id).orderBy("role").execute();
  out.stdout(`${user.email}: ${rows.map((row) => row.role).join(", ") || "(no roles)"}\n`);
  return 0;
}

const unknownRoles = (roles: readonly string[], known: ReadonlySet<string>): string[] =>
  roles.filter((role) => !known.has(role)).map((role) => `unknown role "${role}"; roles.yaml declares ${[...known].join(", ")}`);

function fail(problems: string[], out: Output): number {
  for (const problem of problems) out.stderr(`error: ${problem}\n`);
  out.stderr(`\n${USERS_USAGE}`);
  return 1;
}
