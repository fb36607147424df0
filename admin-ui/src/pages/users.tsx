import { api, query } from "../api.ts";
import { go, href } from "../route.ts";
import { Shown, useLoad, when } from "../ui.tsx";

export interface User {
  id: string;
  email: string;
  name: string | null;
  confirmed: boolean;
  disabled?: boolean;
  /** Shown by GET /admin/users/{id} only. */
  two_factor?: boolean;
  created_at: string;
  roles: string[];
}

const PAGE_SIZE = 20;
const FILTERS = ["email", "confirmed", "disabled", "role"] as const;

export function UsersPage({ params }: { params: URLSearchParams }) {
  const filters = Object.fromEntries(FILTERS.map((name) => [name, params.get(name) ?? ""]));
  const offset = Number(params.get("offset") ?? 0) || 0;
  const path = `/admin/users${query({ ...filters, limit: PAGE_SIZE, offset })}`;
  const [load] = useLoad(() => api<{ users: User[]; total: number }>("GET", path), path);
  const search = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    go("/users", Object.fromEntries(FILTERS.map((name) => [name, String(form.get(name) ?? "")])));
  };
  return (
    <section>
      <h1>Users</h1>
      <form class="filters" onSubmit={search} aria-label="Search users">
        <label>
          Email contains
          <input name="email" type="search" maxLength={254} value={filters.email} />
        </label>
        <label>
          Confirmed
          <select name="confirmed" value={filters.confirmed}>
            <option value="">any</option>
            <option value="true">yes</option>
            <option value="false">no</option>
          </select>
        </label>
        <label>
          Disabled
          <select name="disabled" value={filters.disabled}>
            <option value="">any</option>
            <option value="true">yes</option>
            <option value="false">no</option>
          </select>
        </label>
        <label>
          Role
          <input name="role" maxLength={100} value={filters.role} />
        </label>
        <button type="submit">Search</button>
      </form>
      <Shown load={load} what="users">
        {({ users, total }) => (
          <>
            <p class="count">{total === 0 ? "No users match." : `Users ${offset + 1}–${offset + users.length} of ${total}`}</p>
            <div class="table">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Email</th>
                    <th scope="col">Name</th>
                    <th scope="col">Confirmed</th>
                    <th scope="col">Disabled</th>
                    <th scope="col">Roles</th>
                    <th scope="col">Registered</th>
                  </tr>
                </thead>
                <tbody>
                  {users.map((user) => (
                    <tr key={user.id}>
                      <td>
                        <a href={href(`/users/${user.id}`)}>{user.email}</a>
                      </td>
                      <td>{user.name ?? ""}</td>
                      <td>{user.confirmed ? "yes" : "no"}</td>
                      <td>{user.disabled ? "disabled" : "no"}</td>
                      <td>{user.roles.join(", ")}</td>
                      <td>{when(user.created_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <nav class="pager" aria-label="Pages of users">
              {offset > 0 && <a href={href("/users", { ...filters, offset: Math.max(0, offset - PAGE_SIZE) })}>← Previous</a>}
              {offset + users.length < total && <a href={href("/users", { ...filters, offset: offset + PAGE_SIZE })}>Next →</a>}
            </nav>
          </>
        )}
      </Shown>
    </section>
  );
}
