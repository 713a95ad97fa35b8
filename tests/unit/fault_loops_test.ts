import assert from "node:assert/strict";
import { FAULT_TEST_DIR, faultLoopFileList, faultLoopFiles, FILES_PER_LOOP } from "../support/fault_loop_files.ts";
import { checkPart, FAULT_LOOPS, partOf, WHOLE } from "../support/fault_loops.ts";
import { SCENARIOS } from "../support/reliability.ts";

const root = new URL("../../", import.meta.url);
const scenario = SCENARIOS[0];
const plan = (n: number) => Array.from({ length: n }, (_, i) => `step ${i}`);
/** Every step alone, or batched as given. */
const alone = (n: number) => Array.from({ length: n }, (_, i) => [i]);
const faultsOf = (loop: keyof typeof FAULT_LOOPS, n: number, groups = alone(n)) =>
  FAULT_LOOPS[loop].points(scenario, plan(n), groups).map((p) => p.faults.join(","));
const range = (n: number) => [...Array(n).keys()];
/** Plan lengths the cover is checked for: the scenarios' (2, 12, 20) and the edges around them. */
const LENGTHS = [1, 2, 3, 12, 20, 33];

Deno.test("the generated kill/fail loop files are, per loop kind and scenario, its parts, and up to date (else: deno task gen-fault-tests)", async () => {
  const expected = faultLoopFiles();
  const perLoop = SCENARIOS.reduce((sum, s) => sum + (FILES_PER_LOOP[s.recipe] ?? 1), 0);
  assert.equal(expected.size, Object.keys(FAULT_LOOPS).length * perLoop);
  assert.ok(perLoop > SCENARIOS.length, "some loop is split");
  const onDisk = new Map<string, string>();
  for await (const e of Deno.readDir(new URL(`${FAULT_TEST_DIR}/`, root))) {
    const path = `${FAULT_TEST_DIR}/${e.name}`;
    onDisk.set(path, await Deno.readTextFile(new URL(path, root)));
  }
  assert.deepEqual(onDisk, expected);
});

Deno.test("every scenario's recipe is named once, so a generated file finds exactly its scenario", () => {
  const recipes = SCENARIOS.map((s) => s.recipe);
  assert.ok(recipes.length > 0);
  assert.deepEqual([...new Set(recipes)], recipes);
});

Deno.test("the loops while applying and undoing hit every step at every phase, once", () => {
  for (const n of LENGTHS) {
    const each = (phases: string[]) => phases.flatMap((ph) => range(n).map((k) => ph.replace("K", String(k))));
    assert.deepEqual(
      faultsOf("kill-apply", n),
      each(["kill@after-intent:K", "kill@after-command:K", "kill@after-done:K"]),
    );
    assert.deepEqual(faultsOf("kill-undo", n), each(["kill@after-revert:K", "kill@after-undo:K"]));
    assert.deepEqual(faultsOf("fail-apply", n), each(["fail@step:K", "fail@after-command:K"]));
    assert.deepEqual(faultsOf("fail-undo", n), each(["fail@undo:K"]));
  }
});

Deno.test("the rollback loops cover every failing step and every point inside a rollback with 3n-1 and 2n-3 cases, not the n(n+1)/2 and n(n-1)/2 of the full product", () => {
  for (const n of LENGTHS) {
    const last = n - 1;
    const kills = faultsOf("kill-rollback", n);
    assert.equal(new Set(kills).size, kills.length, "no case twice");
    assert.equal(kills.length, 3 * n - 1);
    for (const k of range(n)) {
      // Every kill point of the rollback, after the longest rollback.
      assert.ok(kills.includes(`fail@step:${last},kill@after-revert:${k}`), `after-revert:${k}`);
      assert.ok(kills.includes(`fail@step:${last},kill@after-undo:${k}`), `after-undo:${k}`);
      // Every failing step, its rollback killed at its first outcome.
      assert.ok(kills.includes(`fail@step:${k},kill@after-revert:${k}`), `fail@step:${k}`);
    }
    const fails = faultsOf("fail-rollback", n);
    assert.equal(n < (FAULT_LOOPS["fail-rollback"].minSteps ?? 1), fails.length === 0, `a plan of ${n} has cases`);
    assert.equal(new Set(fails).size, fails.length, "no case twice");
    assert.equal(fails.length, Math.max(0, 2 * n - 3));
    for (const k of range(last)) {
      // Every inverse that can fail in a rollback, after the longest rollback.
      assert.ok(fails.includes(`fail@step:${last},fail@undo:${k}`), `fail@undo:${k}`);
      // Every failing step that has an inverse before it, whose first inverse fails.
      assert.ok(fails.includes(`fail@step:${k + 1},fail@undo:${k}`), `fail@step:${k + 1}`);
    }
  }
});

Deno.test("the parts of every generated loop are 0..of-1 of the same of, each once", () => {
  const files = faultLoopFileList();
  for (const loop of Object.keys(FAULT_LOOPS)) {
    for (const s of SCENARIOS) {
      const parts = files.filter((f) => f.loop === loop && f.recipe === s.recipe).map((f) => f.part);
      const of = FILES_PER_LOOP[s.recipe] ?? 1;
      assert.deepEqual(parts, range(of).map((index) => ({ index, of })), `${loop} ${s.recipe}`);
    }
  }
  assert.equal(new Set(files.map((f) => f.path)).size, files.length, "no path twice");
});

Deno.test("the parts of a loop hold each case exactly once, in loop order, sizes within one of each other", () => {
  for (const n of [0, 1, 2, 5, 20, 59, 60]) {
    const cases = range(n).map((i) => `case ${i}`);
    for (const partCount of [1, 2, 3, 7]) {
      const parts = range(partCount).map((index) => partOf(cases, { index, of: partCount }));
      assert.deepEqual(parts.flat().sort(), [...cases].sort(), `n=${n} of=${partCount}: every case once`);
      for (const p of parts) assert.deepEqual(p, cases.filter((c) => p.includes(c)), "loop order");
      parts.forEach((p, index) =>
        assert.equal(p.length === 0, n <= index, `n=${n} of=${partCount}: part ${index} empty`)
      );
      const sizes = parts.map((p) => p.length);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, `n=${n} of=${partCount}: sizes ${sizes}`);
    }
  }
  assert.deepEqual(partOf(["a", "b", "c", "d", "e"], { index: 1, of: 2 }), ["b", "d"]);
  assert.deepEqual(partOf(["a", "b"], WHOLE), ["a", "b"]);
});

Deno.test("a part outside 0..of-1, or of below 1, is refused", () => {
  for (const bad of [{ index: 3, of: 3 }, { index: -1, of: 2 }, { index: 0, of: 0 }, { index: 0.5, of: 2 }]) {
    assert.throws(() => checkPart(bad), RangeError, JSON.stringify(bad));
    assert.throws(() => partOf(["a"], bad), RangeError, JSON.stringify(bad));
  }
  checkPart({ index: 2, of: 3 });
});

Deno.test("the batch loop kills after every line of every batch but its last, and has no case without a batch", () => {
  assert.deepEqual(faultsOf("kill-batch", 5), []);
  assert.deepEqual(faultsOf("kill-batch", 8, [[0], [1, 2, 3], [4], [5, 6], [7]]), [
    "kill@in-batch:1",
    "kill@in-batch:2",
    "kill@in-batch:5",
  ]);
  // The loops while applying still hit every step of a batched plan: a batch's steps share each point, so
  // nsrecipe is stopped at each of them but the last (where the test reads the journal and host), killed there.
  assert.deepEqual(
    faultsOf("kill-apply", 4, [[0], [1, 2], [3]]),
    ["after-intent", "after-command", "after-done"].flatMap((ph) => [
      `kill@${ph}:0`,
      `stop@${ph}:1,kill@${ph}:2`,
      `kill@${ph}:3`,
    ]),
  );
  assert.deepEqual(
    faultsOf("kill-apply", 12, [range(8), [8, 9, 10, 11]]),
    ["after-intent", "after-command", "after-done"].flatMap((ph) => [
      [...range(7).map((k) => `stop@${ph}:${k}`), `kill@${ph}:7`].join(","),
      `stop@${ph}:8,stop@${ph}:9,stop@${ph}:10,kill@${ph}:11`,
    ]),
  );
});
