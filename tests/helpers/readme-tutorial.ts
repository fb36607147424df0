import fs from "node:fs";
import path from "node:path";
import { REPO_ROOT } from "./cli.ts";

/**
 * The files README's tutorial asks the reader to create: each code block in
 * that section whose first line is a comment naming a path
 * (`# endpoints/notes/index.get.yaml`, `-- migrations/001_notes.sql`).
 */
export function tutorialFiles(): Map<string, string> {
  const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
  const start = readme.indexOf("## A five-minute tutorial");
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end);
  const files = new Map<string, string>();
  for (const match of section.matchAll(/```(?:yaml|sql)\n((?:#|--) ((?:endpoints|migrations|actions)\/[^\s]+)\n[\s\S]*?)```/g)) {
    files.set(match[2] ?? "", match[1] ?? "");
  }
  return files;
}
