export const HTTP_METHODS = ["get", "post", "put", "patch", "delete"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/** The methods whose requests carry a JSON body. */
export const METHODS_WITH_BODY: ReadonlySet<HttpMethod> = new Set(["post", "put", "patch", "delete"]);

export interface RouteFromPath {
  readonly method: HttpMethod;
  /** Hono's pattern: `/users/:id`. */
  readonly pattern: string;
  readonly params: readonly string[];
}

const FILE_NAME = new RegExp(`^(.+)\\.(${HTTP_METHODS.join("|")})\\.ya?ml$`);
const STATIC_SEGMENT = /^[A-Za-z0-9._~-]+$/;
const PARAM_SEGMENT = /^\[([A-Za-z_][A-Za-z0-9_]*)\]$/;

/**
 * `auth/login.post.yaml` → POST /auth/login; `users/[id].get.yaml` → GET
 * /users/:id; `index.get.yaml` → the folder itself. Returns a message
 * instead when the path cannot name a route.
 */
export function routeFromPath(relativePath: string): RouteFromPath | string {
  const segments = relativePath.split(/[\\/]/);
  const match = FILE_NAME.exec(segments.pop() ?? "");
  if (!match) return `file name must be <name>.<method>.yaml with method one of ${HTTP_METHODS.join(", ")}`;
  const [, stem = "", method] = match;
  if (stem !== "index") segments.push(stem);

  const params: string[] = [];
  const parts: string[] = [];
  for (const segment of segments) {
    const param = PARAM_SEGMENT.exec(segment);
    if (param?.[1]) {
      if (params.includes(param[1])) return `path parameter "${param[1]}" appears twice`;
      params.push(param[1]);
      parts.push(`:${param[1]}`);
    } else if (STATIC_SEGMENT.test(segment)) {
      parts.push(segment);
    } else {
      return `"${segment}" is not a valid path segment: use letters, digits, . _ ~ - or [param]`;
    }
  }
  return { method: method as HttpMethod, pattern: `/${parts.join("/")}`, params };
}

/** Two patterns that differ only in parameter names are the same route. */
export const routeShape = (pattern: string): string => pattern.replace(/:[^/]+/g, ":");

/**
 * Orders patterns so that a static segment is tried before a parameter at
 * the same place: `/notes/count` answers before `/notes/:id` can claim it.
 */
export function compareSpecificity(a: string, b: string): number {
  const left = a.split("/");
  const right = b.split("/");
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const leftParam = left[i]?.startsWith(":") ?? false;
    const rightParam = right[i]?.startsWith(":") ?? false;
    if (leftParam !== rightParam) return leftParam ? 1 : -1;
  }
  return 0;
}

/** A route under trellis.yaml's `prefix`: `/api` + `/users` → `/api/users`, and the root `/` → `/api`. */
export const withPrefix = (prefix: string, pattern: string): string => (prefix && pattern === "/" ? prefix : `${prefix}${pattern}`);
