import type { ComponentChildren } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./api.ts";

export type Load<T> = { state: "loading" } | { state: "done"; value: T } | { state: "failed"; error: unknown };

/** Runs `fetcher` now and whenever `key` changes; `reload` runs it again. A stale answer never overwrites a newer one. */
export function useLoad<T>(fetcher: () => Promise<T>, key: string): [Load<T>, () => void] {
  const [load, setLoad] = useState<Load<T>>({ state: "loading" });
  const [round, setRound] = useState(0);
  const latest = useRef(fetcher);
  latest.current = fetcher;
  // Deliberate dependencies: the key and round say when to fetch again
  useEffect(() => {
    let live = true;
    setLoad({ state: "loading" });
    latest.current().then(
      (value) => live && setLoad({ state: "done", value }),
      (error) => live && setLoad({ state: "failed", error }),
    );
    return () => {
      live = false;
    };
  }, [key, round]);
  return [load, useCallback(() => setRound((n) => n + 1), [])];
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {what}…
    </p>
  );
}

/** An error in words: the API's message, or "not allowed" for a 403, which a guest who signs in gets everywhere. */
export function ErrorNote({ error }: { error: unknown }) {
  if (error instanceof ApiError && error.status === 403)
    return (
      <div class="error" role="alert">
        <strong>Not allowed.</strong> Your account does not hold the role this page needs (admin).
      </div>
    );
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div class="error" role="alert">
      {message}
    </div>
  );
}

export function Shown<T>({ load, what, children }: { load: Load<T>; what: string; children: (value: T) => ComponentChildren }) {
  if (load.state === "loading") return <Loading what={what} />;
  if (load.state === "failed") return <ErrorNote error={load.error} />;
  return <>{children(load.value)}</>;
}

/**
 * A button for an action: while it runs it is disabled and says so; a failure is shown beside it.
 * With `confirm`, a modal dialog asks first (Escape or Cancel backs out).
 */
export function ActionButton({
  label,
  run,
  confirm,
  danger,
}: {
  label: string;
  run: () => Promise<unknown>;
  confirm?: string;
  danger?: boolean;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const dialog = useRef<HTMLDialogElement>(null);
  const perform = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await run();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="action">
      <button
        type="button"
        class={danger ? "danger" : undefined}
        disabled={busy}
        onClick={() => (confirm ? dialog.current?.showModal() : perform())}
      >
        {busy ? `${label}…` : label}
      </button>
      {confirm && (
        <dialog ref={dialog} aria-label={label}>
          <form method="dialog">
            <p>{confirm}</p>
            <div class="row">
              <button type="submit" value="cancel" autofocus>
                Cancel
              </button>
              <button type="submit" value="ok" class={danger ? "danger" : undefined} onClick={() => void perform()}>
                {label}
              </button>
            </div>
          </form>
        </dialog>
      )}
      {error !== undefined && <ErrorNote error={error} />}
    </span>
  );
}

export const when = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString() : "—");
