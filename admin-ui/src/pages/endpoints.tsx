import { api } from "../api.ts";
import { Shown, useLoad } from "../ui.tsx";

interface Endpoint {
  method: string;
  path: string;
  allow: "public" | "authenticated" | string[];
  summary: string | null;
  file: string;
  line: number;
}

/** Who may call what: the app's route table as loaded, with the file each route comes from. */
export function EndpointsPage() {
  const [load] = useLoad(() => api<{ endpoints: Endpoint[] }>("GET", "/admin/endpoints"), "endpoints");
  return (
    <section>
      <h1>Endpoints</h1>
      <p>
        Every route of the app as loaded. Try them in the <a href="/docs">API reference (/docs)</a>.
      </p>
      <Shown load={load} what="endpoints">
        {({ endpoints }) => (
          <div class="table">
            <table>
              <thead>
                <tr>
                  <th scope="col">Method</th>
                  <th scope="col">Path</th>
                  <th scope="col">Allowed</th>
                  <th scope="col">Summary</th>
                  <th scope="col">File</th>
                </tr>
              </thead>
              <tbody>
                {endpoints.map((endpoint) => (
                  <tr key={`${endpoint.method} ${endpoint.path}`}>
                    <td>
                      <span class="method">{endpoint.method.toUpperCase()}</span>
                    </td>
                    <td>
                      <code>{endpoint.path}</code>
                    </td>
                    <td>{Array.isArray(endpoint.allow) ? endpoint.allow.join(", ") : endpoint.allow}</td>
                    <td>{endpoint.summary ?? ""}</td>
                    <td>
                      <code>
                        {endpoint.file}:{endpoint.line}
                      </code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Shown>
    </section>
  );
}
