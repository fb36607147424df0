import path from "node:path";
import { fileURLToPath } from "node:url";
import type { StepLocation } from "../actions/define-action.ts";

/**
 * A step that failed by fault, not by a deliberate TrellisError: carries
 * where it sits in YAML and, when an app's own action threw it, the line of
 * that action's code (the first frame of the stack in the app's `actions/`).
 */
export class StepFault extends Error {
  override name = "StepFault";
  readonly thrownAt: string | undefined;

  constructor(
    readonly location: StepLocation,
    readonly action: string,
    cause: unknown,
    appDir?: string,
  ) {
    super(`step ${action} failed at ${location.file}:${location.line}:${location.col}`, { cause });
    this.thrownAt = appDir && cause instanceof Error ? frameIn(cause.stack, path.join(appDir, "actions") + path.sep) : undefined;
  }
}

/** `    at run (/app/actions/x.ts:8:11)` or `at file:///app/actions/x.ts?trellis-action=:8:11` → `/app/actions/x.ts:8:11`. */
const FRAME = /\(?((?:file:\/\/)?[^\s()]+?)(?:\?[^\s():]*)?:(\d+):(\d+)\)?$/;

function frameIn(stack: string | undefined, folder: string): string | undefined {
  for (const line of stack?.split("\n").slice(1) ?? []) {
    const match = FRAME.exec(line.trim());
    if (!match) continue;
    const [, where = "", row, col] = match;
    const file = where.startsWith("file://") ? fileURLToPath(where) : where;
    if (file.startsWith(folder) && !file.includes(`${path.sep}node_modules${path.sep}`)) return `${file}:${row}:${col}`;
  }
  return undefined;
}
