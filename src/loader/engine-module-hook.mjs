// Module hooks (node:module register) for an app's own actions, run on Node's hooks thread: plain JavaScript,
// since it is loaded before any TypeScript loader applies to it.
//
// 1. `import … from "trellis"` anywhere is the running engine's module, wherever the app folder is and whether
//    or not it installed trellis itself: one TrellisError class, one defineAction.
// 2. An action file, and the files it imports from outside node_modules, is an ES module even in a folder whose
//    package.json (or the lack of one) says CommonJS: tsx would otherwise compile it to CommonJS, whose
//    require("trellis") these hooks cannot see.
// 3. Those imports carry the action's reload version (`v`), so `trellis dev` sees an edited helper file too.
// 4. Those of them written in TypeScript lose their types here (strip-types.mjs): no other loader is needed.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { stripTypes } from "./strip-types.mjs";

/** The query the loader puts on an action file's URL. */
const ACTION_MARK = "trellis-action";
const SOURCE = /\.(ts|tsx|mts|js|jsx|mjs)$/;
const TYPESCRIPT = /\.(ts|tsx|mts)$/;

let engineUrl = "";
/** Files loaded as ES modules because an action (or a file it imports) imports them. */
const forced = new Set();

export function initialize(data) {
  engineUrl = data.engineUrl;
}

export async function resolve(specifier, context, nextResolve) {
  if (specifier === "trellis") return { url: engineUrl, format: "module", shortCircuit: true };
  const resolved = await nextResolve(specifier, context);
  if (!resolved.url.startsWith("file:")) return resolved;
  const url = withoutTsxInterop(new URL(resolved.url));
  if (!SOURCE.test(url.pathname) || url.pathname.includes("/node_modules/")) return resolved;
  const parent = context.parentURL === undefined ? undefined : new URL(context.parentURL);
  const fromAction = parent !== undefined && (forced.has(parent.href) || parent.searchParams.has(ACTION_MARK));
  if (!url.searchParams.has(ACTION_MARK) && !fromAction) return resolved;
  const version = parent?.searchParams.get("v");
  if (fromAction && version && !url.searchParams.has("v")) url.searchParams.set("v", version);
  forced.add(url.href);
  return { ...resolved, url: url.href, format: "module" };
}

export async function load(url, context, nextLoad) {
  if (!forced.has(url) || !TYPESCRIPT.test(new URL(url).pathname)) return nextLoad(url, context);
  const file = fileURLToPath(url);
  return { format: "module", source: stripTypes(readFileSync(file, "utf8"), file), shortCircuit: true };
}

/**
 * tsx marks a CommonJS file imported from an ES module with queries of its own
 * (`h.ts%3Ftsx-commonjs-export-preparse=1?tsx-…`); a file loaded as an ES module needs none.
 */
function withoutTsxInterop(url) {
  const marked = url.pathname.indexOf("%3Ftsx-");
  if (marked >= 0) url.pathname = url.pathname.slice(0, marked);
  for (const name of [...url.searchParams.keys()]) if (name.startsWith("tsx-")) url.searchParams.delete(name);
  return url;
}
