import fs from "node:fs";
import path from "node:path";
import type { AnyAction } from "../actions/define-action.ts";
import type { CompiledEndpoint } from "../pipeline/compiled-endpoint.ts";
import type { EndpointEnv } from "./compile-endpoint.ts";
import type { RoleUse } from "./lint.ts";
import type { LoadIssue } from "./load-issue.ts";

/** One endpoint file as its last load left it. */
export interface FileEntry {
  readonly stamp: string;
  readonly endpoint: CompiledEndpoint | undefined;
  readonly roleUse: RoleUse | undefined;
  readonly issues: readonly LoadIssue[];
}

/**
 * What one load keeps for the next (`trellis dev`): while roles.yaml,
 * trellis.yaml and actions/ are unchanged, an endpoint file whose stamp is
 * unchanged is not read or compiled again, so a save recompiles one file.
 */
export interface LoadCache {
  /** roles.yaml, trellis.yaml and every file under actions/: what every endpoint's compilation depends on. */
  readonly context: string;
  readonly env: EndpointEnv;
  readonly ownActions: { readonly actions: Map<string, AnyAction>; readonly issues: readonly LoadIssue[] };
  readonly files: Map<string, FileEntry>;
}

/** Changes whenever the file is written (nanosecond mtimes; ctime and inode for a rename over it). */
export function fileStamp(stat: fs.Stats): string {
  return `${stat.mtimeMs}:${stat.ctimeMs}:${stat.size}:${stat.ino}`;
}

/** The stamps of what endpoint compilation depends on, as one text. */
export function contextStamp(dir: string): string {
  const parts: string[] = [];
  for (const name of ["roles.yaml", "trellis.yaml"]) {
    const file = path.join(dir, name);
    parts.push(`${name}=${fs.existsSync(file) ? fileStamp(fs.statSync(file)) : "-"}`);
  }
  const actions = path.join(dir, "actions");
  if (fs.existsSync(actions)) {
    for (const entry of fs.readdirSync(actions, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const file = path.join(entry.parentPath, entry.name);
      parts.push(`${path.relative(actions, file)}=${fileStamp(fs.statSync(file))}`);
    }
  }
  return parts.sort().join("\n");
}
