import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./cli.ts";

/**
 * The files a README section asks the reader to create: each code block in
 * it whose first line is a comment naming a path
 * (`# endpoints/notes/index.get.yaml`, `-- migrations/001_notes.sql`, `// actions/shout.ts`).
 */
export function readmeFiles(heading: string): Map<string, string> {
  return pageFiles("README.md", heading);
}

/** The same for a section of another page, such as `docs/magic-links.md`. */
export function pageFiles(page: string, heading: string): Map<string, string> {
  const readme = fs.readFileSync(path.join(REPO_ROOT, page), "utf8");
  const start = readme.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`${page} has no section "## ${heading}"`);
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const files = new Map<string, string>();
  for (const match of section.matchAll(/```(?:yaml|sql|ts)\n((?:#|--|\/\/) ((?:endpoints|migrations|actions)\/[^\s]+)\n[\s\S]*?)```/g)) {
    files.set(match[2] ?? "", match[1] ?? "");
  }
  return files;
}

/** The files of README's five-minute tutorial. */
export const tutorialFiles = (): Map<string, string> => readmeFiles("A five-minute tutorial");
