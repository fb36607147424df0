import { register } from "node:module";

/** Put on an action file's URL so the hooks load it (and what it imports) as an ES module. */
export const ACTION_MARK = "trellis-action";

let registered = false;

/**
 * Makes `import … from "trellis"` in an app's actions resolve to this engine
 * (see engine-module-hook.mjs). Registered once, on the first load of an
 * app's actions: after tsx's hooks, so these run first.
 */
export function registerEngineModule(): void {
  if (registered) return;
  registered = true;
  // The public API sits above the loader; only its address is taken here, for the hooks thread. Bundled
  // (dist/, see scripts/build.mjs), this code sits in a chunk beside index.js; from src/, one folder below index.ts.
  const bundled = !import.meta.url.endsWith(".ts");
  const engineUrl = new URL(bundled ? "./index.js" : "../index.ts", import.meta.url).href;
  register(new URL("./engine-module-hook.mjs", import.meta.url), { data: { engineUrl } });
}
