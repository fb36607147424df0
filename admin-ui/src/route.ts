import { useEffect, useState } from "preact/hooks";

// Hash routes (#/users?role=x): the API owns every path under /admin/, so the page's own places live after the #.

export interface Route {
  readonly path: string;
  readonly params: URLSearchParams;
}

function current(): Route {
  const hash = location.hash.replace(/^#/, "") || "/users";
  const [path = "/users", search = ""] = hash.split("?", 2);
  return { path, params: new URLSearchParams(search) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    addEventListener("hashchange", update);
    return () => removeEventListener("hashchange", update);
  }, []);
  return route;
}

export function href(path: string, params: Record<string, string | number | undefined> = {}): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== "") search.set(key, String(value));
  const text = search.toString();
  return `#${path}${text ? `?${text}` : ""}`;
}

export const go = (path: string, params?: Record<string, string | number | undefined>) => {
  location.hash = href(path, params);
};
