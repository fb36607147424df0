import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { REPO_ROOT } from "../helpers/cli.ts";

const PAGES = ["README.md", ...fs.readdirSync(path.join(REPO_ROOT, "docs")).map((name) => path.join("docs", name))].filter((page) =>
  page.endsWith(".md"),
);

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as dashes. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, "")
    .replace(/ /g, "-");

function anchorsIn(page: string): Set<string> {
  const text = fs.readFileSync(path.join(REPO_ROOT, page), "utf8").replace(/```[\s\S]*?```/g, "");
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((match) => anchorOf(match[1] ?? "")));
}

describe("README and docs/", () => {
  it("README stays a first hour: at most 400 lines", () => {
    const lines = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8").split("\n").length;
    assert.ok(lines <= 401, `README.md has ${lines} lines; move reference text to docs/`);
  });

  it("link only to files and headings that exist", () => {
    const broken: string[] = [];
    for (const page of PAGES) {
      const text = fs.readFileSync(path.join(REPO_ROOT, page), "utf8").replace(/```[\s\S]*?```/g, "");
      for (const [, target = ""] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target)) continue;
        const [file = "", anchor] = target.split("#");
        const linked = file === "" ? page : path.normalize(path.join(path.dirname(page), file));
        if (!fs.existsSync(path.join(REPO_ROOT, linked))) broken.push(`${page}: ${target} (no such file)`);
        else if (anchor && linked.endsWith(".md") && !anchorsIn(linked).has(anchor)) broken.push(`${page}: ${target} (no such heading)`);
      }
    }
    assert.deepEqual(broken, []);
  });
});
