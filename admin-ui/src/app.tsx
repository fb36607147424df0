import { useEffect, useState } from "preact/hooks";
import { onSessionChange, signedIn, signOut } from "./api.ts";
import { EndpointsPage } from "./pages/endpoints.tsx";
import { LogPage } from "./pages/log.tsx";
import { OutboxPage } from "./pages/outbox.tsx";
import { RolesPage } from "./pages/roles.tsx";
import { SignIn } from "./pages/sign-in.tsx";
import { UserPage } from "./pages/user.tsx";
import { UsersPage } from "./pages/users.tsx";
import { type Route, useRoute } from "./route.ts";

const PAGES = [
  ["/users", "Users"],
  ["/roles", "Roles"],
  ["/log", "Log"],
  ["/outbox", "Outbox"],
  ["/endpoints", "Endpoints"],
] as const;

export function App() {
  const [isSignedIn, setSignedIn] = useState(signedIn());
  useEffect(() => onSessionChange(() => setSignedIn(signedIn())), []);
  const route = useRoute();
  if (!isSignedIn) return <SignIn />;
  return (
    <>
      <header>
        <span class="brand">trellis admin</span>
        <nav aria-label="Pages">
          {PAGES.map(([path, label]) => (
            <a key={path} href={`#${path}`} aria-current={route.path.startsWith(path) ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <button type="button" class="link" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <main>
        <Page route={route} />
      </main>
    </>
  );
}

function Page({ route }: { route: Route }) {
  const user = /^\/users\/([^/]+)$/.exec(route.path);
  if (user?.[1]) return <UserPage id={decodeURIComponent(user[1])} />;
  switch (route.path) {
    case "/roles":
      return <RolesPage />;
    case "/log":
      return <LogPage params={route.params} />;
    case "/outbox":
      return <OutboxPage params={route.params} />;
    case "/endpoints":
      return <EndpointsPage />;
    default:
      return <UsersPage params={route.params} />;
  }
}
