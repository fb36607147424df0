import { TrellisError } from "../errors.ts";

/**
 * Turns the database's answers to bad data into client errors (a unique
 * value taken is 409, a missing referenced row 409, a malformed value 400);
 * anything else stays a fault.
 */
export async function mapDatabaseErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "23505") {
      const field = conflictingField(error);
      throw new TrellisError(
        409,
        "conflict",
        field ? `That ${field} is already taken` : "That already exists",
        field ? { field } : undefined,
        {
          cause: error,
        },
      );
    }
    if (code === "23503") throw new TrellisError(409, "conflict", "A referenced record does not exist", undefined, { cause: error });
    if (code === "22P02" || code === "22007" || code === "22008") {
      throw new TrellisError(400, "invalid_value", "A value has the wrong format", undefined, { cause: error });
    }
    throw error;
  }
}

/** PostgreSQL says `Key (lower(email))=(…) already exists.`: the column, without the value, is safe to tell. */
function conflictingField(error: unknown): string | undefined {
  const detail = (error as { detail?: unknown }).detail;
  const columns = typeof detail === "string" ? /^Key \((.+?)\)=\(/.exec(detail)?.[1] : undefined;
  return columns?.replace(/\w+\((\w+)\)/g, "$1");
}
