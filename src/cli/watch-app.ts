import path from "node:path";
import { watch } from "chokidar";
import type { TrellisApp } from "../create-app.ts";
import { formatIssue } from "../loader/load-issue.ts";
import type { Logger } from "../logger.ts";

const WATCHED = ["endpoints", "actions", "migrations", "roles.yaml"];
/** Editors save in bursts (write, rename, chmod): one reload per burst. */
const SETTLE_MS = 25;
/** Past chokidar's 50 ms window in which a file's further changes are not reported. */
const RECHECK_MS = 75;

/**
 * `trellis dev`: reloads the app on every change under endpoints/, actions/,
 * migrations/ or roles.yaml, including ones created after the start. A
 * broken save keeps the last good version serving and prints the problems
 * with their positions. Resolves, with a stop function, once every folder is
 * watched: a save made after that is never missed.
 */
export async function watchApp(
  app: TrellisApp,
  logger: Logger,
  print: (text: string) => void = (text) => process.stderr.write(text),
): Promise<() => void> {
  let version = 0;
  let timer: NodeJS.Timeout | undefined;
  let trailing: NodeJS.Timeout | undefined;
  let reloading = Promise.resolve();

  /** `recheck`: a look after a burst, which says something only when it finds a change the events missed. */
  const reload = (recheck: boolean) => {
    const started = performance.now();
    reloading = reloading.then(async () => {
      try {
        const result = await app.reload(++version);
        if (recheck && !result.changed) return;
        for (const issue of result.issues) print(`${formatIssue(issue)}\n`);
        const ms = Math.round(performance.now() - started);
        if (result.app) logger.info(`reloaded ${result.app.endpoints.length} route(s) in ${ms}ms`);
        else logger.warn("the app has errors: still serving the last good version");
      } catch (error) {
        print(`${error instanceof Error ? error.message : String(error)}\n`);
        logger.warn("reload failed: still serving the last good version");
      }
      // chokidar drops a file's second change within 50 ms of its first (an editor's save, then its formatter's):
      // one more look once that window has passed catches it.
      if (!recheck) {
        clearTimeout(trailing);
        trailing = setTimeout(() => reload(true), RECHECK_MS);
      }
    });
  };

  // chokidar watches each folder with fs.watch (Node 20's own recursive watch polls on Linux and lags by a
  // second). Watching the app folder, limited to these names, also sees them appear after the start.
  const dir = app.config.appDir;
  const watcher = watch(dir, {
    ignoreInitial: true,
    ignored: (file) => {
      const relative = path.relative(dir, file);
      return relative !== "" && !WATCHED.includes(relative.split(path.sep)[0] ?? "");
    },
  });
  watcher.on("all", () => {
    clearTimeout(timer);
    timer = setTimeout(() => reload(false), SETTLE_MS);
  });
  await new Promise<void>((resolve) => watcher.once("ready", resolve));
  return () => {
    clearTimeout(timer);
    clearTimeout(trailing);
    void watcher.close();
  };
}
