/**
 * The ~49,000 passwords most often found in leaks, from @zxcvbn-ts/language-common
 * (the list zxcvbn-ts ranks guesses by), lowercased. Loaded on the first
 * check that wants it (about 30 ms, a few MB), never at start: an app that
 * does not refuse common passwords never loads it.
 */
let common: Promise<ReadonlySet<string>> | undefined;

export function commonPasswords(): Promise<ReadonlySet<string>> {
  common ??= import("@zxcvbn-ts/language-common").then(
    ({ dictionary }) => new Set(dictionary["passwords-common"].map((password) => password.toLowerCase())),
  );
  return common;
}
