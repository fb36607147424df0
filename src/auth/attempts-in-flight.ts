/** Attempts on one key (a login's email and IP) whose outcome is not committed yet, and who waits for one to end. */
interface KeyAttempts {
  running: number;
  readonly waiting: (() => void)[];
}

const attempts = new Map<string, KeyAttempts>();

/**
 * Lets an attempt on `key` go ahead once the committed failures plus the
 * attempts still running stay under `limit`; otherwise waits for one of
 * those to end and looks again. So a burst of guesses at one account is
 * judged a few at a time (as many as the limit still allows) rather than
 * all at once: the ones past the lockout get their 429 without a password
 * compare, and one client cannot fill the bcrypt queue. `failures` reads the
 * committed count and throws the 429 once it is reached. Resolves with the
 * release to call when the attempt's transaction has ended.
 *
 * In-process only: the count under the key's database lock stays what
 * decides, across instances too.
 */
export async function admitAttempt(key: string, limit: number, failures: () => Promise<number>): Promise<() => void> {
  for (;;) {
    const committed = await failures();
    const entry = attempts.get(key);
    if (!entry || committed + entry.running < limit) {
      const admitted = entry ?? { running: 0, waiting: [] };
      admitted.running++;
      attempts.set(key, admitted);
      return once(() => release(key, admitted));
    }
    await new Promise<void>((resolve) => entry.waiting.push(resolve));
  }
}

function release(key: string, entry: KeyAttempts): void {
  entry.running--;
  // Everyone waiting looks again: a success clears the count, a failure may reach the limit.
  for (const wake of entry.waiting.splice(0)) wake();
  if (entry.running === 0 && entry.waiting.length === 0) attempts.delete(key);
}

function once(action: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    action();
  };
}
