import { api, query } from "../api.ts";
import { go } from "../route.ts";
import { ActionButton, Shown, useLoad, when } from "../ui.tsx";

interface Mail {
  id: number;
  to: string;
  subject: string;
  status: "sent" | "failed" | "pending";
  attempts: number;
  last_error: string | null;
  created_at: string;
  sent_at: string | null;
  next_attempt_at: string | null;
}

const STATUSES = ["failed", "pending", "sent", ""] as const;

export function OutboxPage({ params }: { params: URLSearchParams }) {
  const chosen = params.get("status") ?? "failed";
  const status = chosen === "all" ? "" : chosen;
  const path = `/admin/outbox${query({ status, limit: 100 })}`;
  const [load, reload] = useLoad(() => api<{ mails: Mail[]; total: number }>("GET", path), path);
  return (
    <section>
      <h1>Outbox</h1>
      <form class="filters" onSubmit={(event) => event.preventDefault()}>
        <label>
          Show
          <select value={status || "all"} onChange={(event) => go("/outbox", { status: event.currentTarget.value || "all" })}>
            {STATUSES.map((value) => (
              <option key={value} value={value || "all"}>
                {value || "all"}
              </option>
            ))}
          </select>
        </label>
        <button type="button" onClick={reload}>
          Refresh
        </button>
      </form>
      <Shown load={load} what="mail">
        {({ mails, total }) => (
          <>
            <p class="count">{total === 0 ? "No mail here." : `${total} mail${total === 1 ? "" : "s"}`}</p>
            <div class="table">
              <table>
                <thead>
                  <tr>
                    <th scope="col">To</th>
                    <th scope="col">Subject</th>
                    <th scope="col">Status</th>
                    <th scope="col">Tries</th>
                    <th scope="col">Last error</th>
                    <th scope="col">Queued</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {mails.map((mail) => (
                    <tr key={mail.id}>
                      <td>{mail.to}</td>
                      <td>{mail.subject}</td>
                      <td>
                        <span class={`status ${mail.status}`}>{mail.status}</span>
                      </td>
                      <td>{mail.attempts}</td>
                      <td class="wrap">{mail.last_error ?? ""}</td>
                      <td>{when(mail.created_at)}</td>
                      <td>
                        {mail.status !== "sent" && (
                          <ActionButton
                            label={`Retry mail ${mail.id}`}
                            run={() => api("POST", `/admin/outbox/${mail.id}/retry`).then(reload)}
                          />
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </Shown>
    </section>
  );
}
