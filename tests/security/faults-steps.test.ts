import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../src/config.ts";
import { databaseTargets } from "../helpers/databases.ts";
import { FAULTS_APP, hangProbe, labels, logged, useFaultsApp } from "../helpers/faults-app.ts";
import { json } from "../helpers/test-app.ts";

const STEP_TIMEOUT_MS = 1000;
/** "Does not hang": generous beside the 1 s timeout, so a busy machine does not fail it. */
const ANSWERS_WITHIN_MS = 5000;

async function timed(request: Promise<Response>): Promise<{ res: Response; ms: number }> {
  const start = performance.now();
  const res = await request;
  return { res, ms: performance.now() - start };
}

for (const target of databaseTargets()) {
  describe(`faults in steps: an action that throws or hangs (${target.name})`, () => {
    const t = useFaultsApp(target, { STEP_TIMEOUT: "1s" });

    it("an app's action that throws: 500 internal_error with an error id, and the earlier step's row is rolled back", async () => {
      const res = await t.app.request("/explode", json({ label: "before the throw", password: "hunter2-not-for-logs" }));
      assert.equal(res.status, 500);
      const body = await res.json();
      assert.equal(body.error.code, "internal_error");
      assert.match(body.error.details.error_id, /^[0-9a-f-]{36}$/);
      assert.doesNotMatch(JSON.stringify(body), /kaboom|explode|\.ts/, "the client learns nothing of the fault");
      assert.deepEqual(await labels(t.database, "items"), []);
    });

    it("its log line (same error id) names the step's YAML position and the action's own file:line, and not the request's password", async () => {
      const res = await t.app.request("/explode", json({ label: "x", password: "hunter2-not-for-logs" }));
      const { error_id } = (await res.json()).error.details;
      const [line, ...more] = logged(t.logs, "request failed");
      assert.equal(more.length, 0);
      assert.equal(line?.error_id, error_id);
      assert.match(String(line?.at), /faults-app\/endpoints\/explode\.post\.yaml:9:5$/);
      // explode.ts throws on its line 9, column 11: the source's line, not that of the code its types were stripped to.
      assert.match(String(line?.thrown_at), /faults-app\/actions\/explode\.ts:9:11$/);
      assert.match(String(line?.stack), /actions\/explode\.ts:9:11/);
      assert.match(String(line?.error), /kaboom/);
      assert.ok(!t.logs.some((entry) => entry.includes("hunter2-not-for-logs")), "no log line holds the password sent");
    });

    it("the database refuses a statement (no such table): a clean 500 JSON that names no SQL, and the earlier row is rolled back", async () => {
      const res = await t.app.request("/bad-sql", json({ label: "before the bad statement" }));
      assert.equal(res.status, 500);
      assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
      const body = await res.json();
      assert.equal(body.error.code, "internal_error");
      assert.doesNotMatch(JSON.stringify(body), /no_such_table|select/i);
      assert.match(String(logged(t.logs, "request failed")[0]?.error), /no_such_table/);
      assert.deepEqual(await labels(t.database, "items"), []);
    });

    it("an action that hangs: 504 step_timeout within 5 s (timeout 1 s), and the earlier step's row is rolled back", async () => {
      const { res, ms } = await timed(t.app.request("/hang", json({ label: "before the hang" })));
      assert.equal(res.status, 504);
      const body = await res.json();
      assert.equal(body.error.code, "step_timeout");
      assert.ok(ms >= STEP_TIMEOUT_MS - 50 && ms < ANSWERS_WITHIN_MS, `answered after ${Math.round(ms)} ms`);
      assert.deepEqual(await labels(t.database, "items"), []);
      const [line] = logged(t.logs, "step timed out");
      assert.equal(line?.error_id, body.error.details.error_id);
      assert.match(String(line?.at), /hang\.post\.yaml:8:5$/);
      assert.equal(line?.action, "hang");
    });

    it("while a request hangs in a step, other endpoints keep answering", async () => {
      const probe = hangProbe();
      const hung = t.app.request("/hang", json({ label: "hung" }));
      await probe.reachedStep;
      const { res, ms } = await timed(t.app.request("/ping"));
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { pong: true });
      assert.ok(ms < STEP_TIMEOUT_MS, `ping took ${Math.round(ms)} ms`);
      if (target.name === "postgres") {
        // On PostgreSQL the hung request holds one connection of the pool; the others serve reads.
        const read = await t.app.request("/items");
        assert.deepEqual([read.status, await read.json()], [200, { count: 0 }]);
      }
      assert.equal((await hung).status, 504);
    });

    it("a hung step let go after its timeout cannot write: its insert is refused, the later step never runs, nothing is stored", async () => {
      const probe = hangProbe();
      const res = await t.app.request("/hang", json({ label: "zombie" }));
      assert.equal(res.status, 504);
      probe.release();
      for (let i = 0; i < 100 && probe.wrote === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      assert.match(String(probe.wrote), /^refused: Transaction is already rolled back/);
      assert.deepEqual(await labels(t.database, "items"), []);
    });

    it("the timeout is per step: two steps of 700 ms each under a 1 s timeout answer 200", async () => {
      const res = await t.app.request("/slow-steps", json({ ms: 700 }));
      assert.deepEqual([res.status, await res.json()], [200, { done: true }]);
    });

    it("one step past the timeout of the same endpoint is 504", async () => {
      const res = await t.app.request("/slow-steps", json({ ms: 1500 }));
      assert.equal(res.status, 504);
      assert.equal((await res.json()).error.code, "step_timeout");
    });
  });
}

describe("fault timeouts in the configuration", () => {
  it("STEP_TIMEOUT and DATABASE_TIMEOUT that are not durations stop the start, naming the variable", () => {
    assert.throws(
      () => loadConfig({ STEP_TIMEOUT: "soon", DATABASE_TIMEOUT: "-1" }, { appDir: FAULTS_APP }),
      (error: unknown) =>
        error instanceof ConfigError &&
        error.problems.some((problem) => problem.startsWith("STEP_TIMEOUT")) &&
        error.problems.some((problem) => problem.startsWith("DATABASE_TIMEOUT")),
    );
  });

  it("they default to 10 s per step and 5 s for the database, and take the usual duration forms", () => {
    const defaults = loadConfig({}, { appDir: FAULTS_APP });
    assert.deepEqual([defaults.stepTimeoutMs, defaults.databaseTimeoutMs], [10_000, 5_000]);
    const set = loadConfig({ STEP_TIMEOUT: "2m", DATABASE_TIMEOUT: "3" }, { appDir: FAULTS_APP });
    assert.deepEqual([set.stepTimeoutMs, set.databaseTimeoutMs], [120_000, 3_000]);
  });
});
