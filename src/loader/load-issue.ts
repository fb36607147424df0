/** One problem found at load, with where it is. `file` is absolute; formatting is the caller's. */
export interface LoadIssue {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
  readonly severity: "error" | "warning";
}

export class LoadError extends Error {
  override name = "LoadError";
  constructor(readonly issues: readonly LoadIssue[]) {
    super(`The app has ${issues.length} error(s)`);
  }
}

/** `file:line:col message`, with the file relative to `base` when it lies below it. */
export function formatIssue(issue: LoadIssue, base: string = process.cwd()): string {
  const relative = issue.file.startsWith(`${base}/`) ? issue.file.slice(base.length + 1) : issue.file;
  const prefix = issue.severity === "warning" ? "warning: " : "";
  return `${relative}:${issue.line}:${issue.col} ${prefix}${issue.message}`;
}

export function compareIssues(a: LoadIssue, b: LoadIssue): number {
  return a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col;
}
