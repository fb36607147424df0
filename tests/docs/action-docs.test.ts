import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { after, describe, it } from "node:test";
import { ACTION_DOCS_COMMAND, ACTION_DOCS_FILE, renderActionDocs } from "../../scripts/action-docs.ts";
import { builtinActions } from "../../src/actions/registry.ts";
import { loadApp } from "../../src/loader/load-app.ts";
import { formatIssue } from "../../src/loader/load-issue.ts";
import { REPO_ROOT } from "../helpers/cli.ts";
import { tempDir } from "../helpers/test-app.ts";

/** `# endpoints/age.post.yaml` on an example's first line: where the file goes in an app. */
const EXAMPLE_PATH = /^# (endpoints\/\S+\.(?:get|post|put|patch|delete)\.ya?ml)\s*$/;

describe("docs/actions.md", () => {
  it("README's reference names every built-in action", () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    const missing = [...builtinActions.keys()].filter((name) => !readme.includes(`\`${name}\``));
    assert.deepEqual(missing, [], "add them to the Built-in actions line of README.md");
  });

  it(`is what scripts/action-docs.ts renders from the action registry (regenerate it: ${ACTION_DOCS_COMMAND})`, () => {
    const committed = fs.existsSync(ACTION_DOCS_FILE) ? fs.readFileSync(ACTION_DOCS_FILE, "utf8") : "";
    const rendered = renderActionDocs();
    if (committed === rendered) return;
    const [was, now] = [committed.split("\n"), rendered.split("\n")];
    const line =
      Array.from({ length: Math.max(was.length, now.length) }, (_, index) => index).find((index) => was[index] !== now[index]) ?? 0;
    assert.fail(
      `docs/actions.md is stale: run ${ACTION_DOCS_COMMAND}\n` +
        `first difference at line ${line + 1}:\n  committed: ${was[line] ?? "(end of file)"}\n  rendered:  ${now[line] ?? "(end of file)"}`,
    );
  });

  it("has a section for every built-in action", () => {
    const rendered = renderActionDocs();
    for (const name of builtinActions.keys()) assert.match(rendered, new RegExp(`^### ${name.replace(".", "\\.")}$`, "m"), name);
  });
});

describe("the built-in actions' documentation", () => {
  it("gives every action a description, a result and an example, and every option a description", () => {
    const missing: string[] = [];
    for (const [name, action] of builtinActions) {
      if (!action.description.trim()) missing.push(`${name}: description`);
      if (!action.result?.trim()) missing.push(`${name}: result`);
      if (!action.example?.trim()) missing.push(`${name}: example`);
      const properties = (action.options.properties ?? {}) as Record<string, { description?: unknown }>;
      for (const [option, schema] of Object.entries(properties)) {
        if (typeof schema.description !== "string" || !schema.description.trim()) missing.push(`${name}: option "${option}"`);
      }
    }
    assert.deepEqual(missing, []);
  });

  it("starts every example with a comment naming the endpoint file it is", () => {
    for (const [name, action] of builtinActions) {
      const first = action.example?.split("\n")[0] ?? "";
      assert.match(first, EXAMPLE_PATH, `${name}: the example's first line must be like "# endpoints/age.post.yaml"`);
    }
  });

  describe("every example loads as an endpoint file, with the repository's roles", () => {
    const dirs: string[] = [];
    after(() => {
      for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    });

    for (const [name, action] of builtinActions) {
      it(name, async () => {
        const example = action.example ?? assert.fail(`${name} has no example`);
        const file = EXAMPLE_PATH.exec(example.split("\n")[0] ?? "")?.[1] ?? assert.fail(`${name}: no path on the example's first line`);
        const dir = tempDir("trellis-action-example-");
        dirs.push(dir);
        fs.copyFileSync(path.join(REPO_ROOT, "roles.yaml"), path.join(dir, "roles.yaml"));
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), example);

        const { app, issues } = await loadApp(dir);
        const report = issues.map((issue) => formatIssue(issue, dir)).join("\n");
        const errors = issues.filter((issue) => issue.severity === "error");
        assert.deepEqual(errors, [], `${name}'s example does not load:\n${report}`);
        // A one-file app leaves roles of roles.yaml unused; any other warning is a flaw of the example.
        const warnings = issues.filter((issue) => issue.severity === "warning" && path.basename(issue.file) !== "roles.yaml");
        assert.deepEqual(warnings, [], `${name}'s example has warnings:\n${report}`);
        assert.ok(app, name);
        assert.ok(
          app.endpoints.some((endpoint) => endpoint.steps.some((step) => step.action === action)),
          `${name}'s example does not use ${name}`,
        );
      });
    }
  });
});
