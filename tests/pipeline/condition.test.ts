import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileCondition } from "../../src/pipeline/condition.ts";
import { createScope, isTruthy } from "../../src/pipeline/scope.ts";
import type { TemplateEnv } from "../../src/pipeline/template.ts";

const problems: string[] = [];
const env: TemplateEnv = { roots: new Set(["a", "b"]), report: (_path, message) => problems.push(message) };
const check = (condition: string, a: unknown, b?: unknown) => isTruthy(compileCondition(condition, env, [])(createScope({ a, b })));

describe("when: conditions", () => {
  it("tests truthiness, negation, and an empty list as false", () => {
    assert.equal(check("${a}", "x"), true);
    assert.equal(check("${!a}", "x"), false);
    assert.equal(check("${a}", []), false);
    assert.equal(check("${a}", 0), false);
  });

  it("compares two references as text", () => {
    assert.equal(check("${a} == ${b}", 5, "5"), true);
    assert.equal(check("${a} != ${b}", "x", "y"), true);
    assert.equal(check("${a}==${b}", "x", "x"), true);
  });

  it("compares with a literal, quoted or bare", () => {
    assert.equal(check('${a} == "two words"', "two words"), true);
    assert.equal(check("${a} == 'x'", "x"), true);
    assert.equal(check("${a} != admin", "admin"), false);
  });

  it("treats null and absent as equal to each other only", () => {
    assert.equal(check("${a} == ${b}", null, undefined), true);
    assert.equal(check("${a} == ${b}", null, ""), false);
    assert.equal(check("${a} != ${b}", "x", undefined), true);
  });

  it("reports an unknown reference on either side at load", () => {
    problems.length = 0;
    compileCondition("${a} == ${c.id}", env, []);
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? "", /unknown reference "\$\{c\.id\}"/);
  });
});
