import { useEffect, useState } from "preact/hooks";
import { api, query } from "../api.ts";
import { go } from "../route.ts";
import { ActionButton, ErrorNote, Loading, when } from "../ui.tsx";

interface Entry {
  id: number;
  at: string;
  event: string;
  user_id: string | null;
  ip: string | null;
  data: unknown;
}

const PAGE_SIZE = 50;
/** How often the live tail asks for entries newer than the newest shown. */
const TAIL_EVERY_MS = 2000;
const FILTERS = ["event", "user", "since", "until"] as const;

/** datetime-local's value (local time) as the ISO instant the API takes, and back. */
const toIso = (local: string) => (local ? new Date(local).toISOString() : "");
const toLocal = (iso: string) => {
  if (!iso) return "";
  const date = new Date(iso);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

export function LogPage({ params }: { params: URLSearchParams }) {
  const filters = Object.fromEntries(FILTERS.map((name) => [name, params.get(name) ?? ""]));
  const key = FILTERS.map((name) => filters[name]).join("|");
  const [entries, setEntries] = useState<Entry[] | undefined>();
  const [error, setError] = useState<unknown>();
  const [more, setMore] = useState(false);
  const [tail, setTail] = useState(false);
  const fetchEntries = (extra: Record<string, string | number | undefined>) =>
    api<{ entries: Entry[] }>("GET", `/admin/log${query({ ...filters, limit: PAGE_SIZE, ...extra })}`).then((answer) => answer.entries);

  // Deliberate dependencies: the filters (key) say when to load again
  useEffect(() => {
    let live = true;
    setEntries(undefined);
    setError(undefined);
    fetchEntries({}).then(
      (found) => {
        if (!live) return;
        setEntries(found);
        setMore(found.length === PAGE_SIZE);
      },
      (caught) => live && setError(caught),
    );
    return () => {
      live = false;
    };
  }, [key]);

  // Deliberate dependencies: restarted when the filters or the shown entries change
  useEffect(() => {
    if (!tail || !entries) return;
    // An answer that arrives after the filters changed belongs to the old list: dropped.
    let live = true;
    const timer = setTimeout(() => {
      fetchEntries({ after: entries[0]?.id ?? 0 }).then(
        (found) => live && setEntries((shown) => [...found, ...(shown ?? [])]),
        (caught) => {
          if (!live) return;
          setError(caught);
          setTail(false);
        },
      );
    }, TAIL_EVERY_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [tail, entries, key]);

  const apply = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const value = (name: string) => String(form.get(name) ?? "");
    go("/log", { event: value("event"), user: value("user"), since: toIso(value("since")), until: toIso(value("until")) });
  };

  return (
    <section>
      <h1>Log</h1>
      <form class="filters" onSubmit={apply} aria-label="Filter the log">
        <label>
          Event
          <input name="event" value={filters.event} placeholder="login" />
        </label>
        <label>
          User id
          <input name="user" value={filters.user} />
        </label>
        <label>
          Since
          <input name="since" type="datetime-local" value={toLocal(filters.since ?? "")} />
        </label>
        <label>
          Until
          <input name="until" type="datetime-local" value={toLocal(filters.until ?? "")} />
        </label>
        <button type="submit">Filter</button>
        <label class="inline">
          <input type="checkbox" checked={tail} onChange={(event) => setTail(event.currentTarget.checked)} />
          Live tail
        </label>
      </form>
      {error !== undefined && <ErrorNote error={error} />}
      {entries === undefined && error === undefined && <Loading what="the log" />}
      {entries && (
        <>
          {tail && (
            <p class="count" role="status">
              Watching for new entries…
            </p>
          )}
          {entries.length === 0 && <p>No entries match.</p>}
          <ol class="log" aria-label="Log entries, newest first">
            {entries.map((entry) => (
              <li key={entry.id}>
                <time dateTime={entry.at}>{when(entry.at)}</time> <strong>{entry.event}</strong>
                {entry.user_id && (
                  <>
                    {" "}
                    by <code>{entry.user_id}</code>
                  </>
                )}
                {entry.ip && <span class="muted"> from {entry.ip}</span>}
                {entry.data !== null && entry.data !== undefined && <code class="data">{JSON.stringify(entry.data)}</code>}
              </li>
            ))}
          </ol>
          {more && (
            <ActionButton
              label="Older entries"
              run={async () => {
                const found = await fetchEntries({ before: entries[entries.length - 1]?.id });
                setEntries((shown) => [...(shown ?? []), ...found]);
                setMore(found.length === PAGE_SIZE);
              }}
            />
          )}
        </>
      )}
    </section>
  );
}
