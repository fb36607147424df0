import { api } from "../api.ts";
import { href } from "../route.ts";
import { Shown, useLoad } from "../ui.tsx";

interface Role {
  name: string;
  description: string | null;
  implies: string[];
  implied_by: string[];
  holders: number;
  /** `authenticated` and `public`: nobody is granted them, so there are no holders to list. */
  builtin?: boolean;
}

const names = (list: string[]) => (list.length === 0 ? "—" : list.join(", "));

/** roles.yaml as loaded: what each role implies and is implied by, and who holds it. */
export function RolesPage() {
  const [load] = useLoad(() => api<{ roles: Role[] }>("GET", "/admin/roles"), "roles");
  return (
    <section>
      <h1>Roles</h1>
      <Shown load={load} what="roles">
        {({ roles }) => (
          <ul class="cards">
            {roles.map((role) => (
              <li key={role.name}>
                <h2>{role.name}</h2>
                {role.description && <p>{role.description}</p>}
                <dl class="facts">
                  <dt>Implies</dt>
                  <dd>{names(role.implies)}</dd>
                  <dt>Implied by</dt>
                  <dd>{names(role.implied_by)}</dd>
                  <dt>Held by</dt>
                  <dd>
                    {role.builtin ? (
                      "built in: never granted"
                    ) : (
                      <a href={href("/users", { role: role.name })}>
                        {role.holders} user{role.holders === 1 ? "" : "s"}
                      </a>
                    )}
                  </dd>
                </dl>
              </li>
            ))}
          </ul>
        )}
      </Shown>
    </section>
  );
}
