import { useState } from "preact/hooks";
import { api } from "../api.ts";
import { go, href } from "../route.ts";
import { ActionButton, Shown, useLoad, when } from "../ui.tsx";
import type { User } from "./users.tsx";

interface Session {
  id: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string;
  current?: boolean;
}

const at = (id: string) => `/admin/users/${encodeURIComponent(id)}`;

/** One user: roles to grant and revoke, sessions to end, the second factor to reset, the account to disable or delete. */
export function UserPage({ id }: { id: string }) {
  const [load, reload] = useLoad(() => api<User>("GET", at(id)), id);
  return (
    <section>
      <p>
        <a href={href("/users")}>← All users</a>
      </p>
      <Shown load={load} what="the user">
        {(user) => (
          <>
            <h1>{user.email}</h1>
            <dl class="facts">
              <dt>Name</dt>
              <dd>{user.name ?? "—"}</dd>
              <dt>Confirmed</dt>
              <dd>{user.confirmed ? "yes" : "no"}</dd>
              <dt>Disabled</dt>
              <dd>{user.disabled ? "yes — cannot sign in" : "no"}</dd>
              <dt>Two-factor</dt>
              <dd>{user.two_factor ? "on — signing in asks for an authenticator code" : "off"}</dd>
              <dt>Registered</dt>
              <dd>{when(user.created_at)}</dd>
              <dt>Id</dt>
              <dd>
                <code>{user.id}</code>
              </dd>
            </dl>
            <p>
              <a href={href("/log", { user: user.id })}>Their log entries</a>
            </p>
            <Roles user={user} reload={reload} />
            <Sessions id={user.id} />
            <h2>Account</h2>
            <div class="row">
              {user.disabled ? (
                <ActionButton label="Enable" run={() => api("DELETE", `${at(user.id)}/disabled`).then(reload)} />
              ) : (
                <ActionButton
                  label="Disable"
                  danger
                  confirm={`Disable ${user.email}? They are signed out everywhere and cannot sign in until enabled again.`}
                  run={() => api("PUT", `${at(user.id)}/disabled`).then(reload)}
                />
              )}
              {user.two_factor && (
                <ActionButton
                  label="Reset two-factor"
                  danger
                  confirm={`Reset the second factor of ${user.email}? Their authenticator app and recovery codes stop working, they are signed out everywhere, and the password alone signs in until they turn an app on again.`}
                  run={() => api("DELETE", `${at(user.id)}/2fa`).then(reload)}
                />
              )}
              <ActionButton
                label="Delete"
                danger
                confirm={`Delete ${user.email} for good? Their roles, sessions and unsent mail go too.`}
                run={() => api("DELETE", at(user.id)).then(() => go("/users"))}
              />
            </div>
          </>
        )}
      </Shown>
    </section>
  );
}

function Roles({ user, reload }: { user: User; reload: () => void }) {
  const [role, setRole] = useState("");
  return (
    <>
      <h2>Roles</h2>
      {user.roles.length === 0 ? (
        <p>No roles granted.</p>
      ) : (
        <ul class="chips">
          {user.roles.map((name) => (
            <li key={name}>
              <span>{name}</span>
              <ActionButton
                label={`Revoke ${name}`}
                danger
                confirm={`Revoke the role ${name} from ${user.email}? It holds from their next sign-in or token refresh.`}
                run={() => api("DELETE", `${at(user.id)}/roles/${encodeURIComponent(name)}`).then(reload)}
              />
            </li>
          ))}
        </ul>
      )}
      <form class="row" onSubmit={(event) => event.preventDefault()}>
        <label>
          Role to grant
          <input value={role} maxLength={100} onInput={(event) => setRole(event.currentTarget.value)} />
        </label>
        <ActionButton
          label="Grant"
          run={async () => {
            if (!role.trim()) return;
            await api("PUT", `${at(user.id)}/roles/${encodeURIComponent(role.trim())}`);
            setRole("");
            reload();
          }}
        />
      </form>
    </>
  );
}

function Sessions({ id }: { id: string }) {
  const [load, reload] = useLoad(() => api<{ sessions: Session[] }>("GET", `${at(id)}/sessions`), id);
  return (
    <>
      <h2>Sessions</h2>
      <Shown load={load} what="sessions">
        {({ sessions }) => (
          <>
            {sessions.length === 0 ? (
              <p>No live sessions.</p>
            ) : (
              <div class="table">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Began</th>
                      <th scope="col">Last used</th>
                      <th scope="col">Runs out</th>
                    </tr>
                  </thead>
                  <tbody>
                    {sessions.map((session) => (
                      <tr key={session.id}>
                        <td>{when(session.created_at)}</td>
                        <td>{when(session.last_used_at)}</td>
                        <td>{when(session.expires_at)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
            {sessions.length > 0 && (
              <ActionButton
                label="Revoke all sessions"
                danger
                confirm="End every session of this user? Their refresh tokens stop working at once."
                run={() => api("DELETE", `${at(id)}/sessions`).then(reload)}
              />
            )}
          </>
        )}
      </Shown>
    </>
  );
}
