import assert from "node:assert/strict";
import { planUndoAll, selectRuns } from "../../src/engine/mod.ts";
import { appliedIndexes, foldRuns, isOpen } from "../../src/journal/mod.ts";
import { parseJournal } from "../support/journal_text.ts";

const AT = "2026-11-29T06:33:00.000Z";
const STEPS = [{ kind: "netns-add", netns: "web" }, { kind: "link-set-up", dev: "lo", netns: "web" }];
const begin = (run: string, label = "web", extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    v: 1,
    at: AT,
    kind: "run-begin",
    run,
    recipe: "netns",
    label,
    params: {},
    uses: [],
    steps: STEPS,
    bootId: "b1",
    pid: 42,
    ...extra,
  });
const rec = (kind: string, run: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ v: 1, at: AT, kind, run, ...extra });
const fold = (...l: string[]) => foldRuns(parseJournal(l.join("\n") + "\n"));

Deno.test("foldRuns: step states follow intent, done, failed, undone; a run without an end is applying and open", () => {
  const { runs, orphanProblems } = fold(
    begin("r1"),
    rec("step-intent", "r1", { index: 0 }),
    rec("step-done", "r1", { index: 0 }),
    rec("step-intent", "r1", { index: 1 }),
  );
  assert.deepEqual(orphanProblems, []);
  assert.equal(runs[0].state, "applying");
  assert.deepEqual(runs[0].stepStates, ["done", "intent"]);
  assert.ok(isOpen(runs[0]));
  assert.deepEqual(appliedIndexes(runs[0]), [0, 1], "a step with only its intent may have run: undo checks it");
});

Deno.test("foldRuns: undone steps are no longer applied; run-end undone closes the run", () => {
  const { runs } = fold(
    begin("r1"),
    rec("step-intent", "r1", { index: 0 }),
    rec("step-done", "r1", { index: 0 }),
    rec("run-end", "r1", { state: "applied" }),
    rec("step-undone", "r1", { index: 0, how: "reverted" }),
  );
  assert.deepEqual(appliedIndexes(runs[0]), []);
  assert.ok(isOpen(runs[0]), "still open until run-end undone");
  const closed = fold(begin("r1"), rec("run-end", "r1", { state: "undone" })).runs[0];
  assert.ok(!isOpen(closed));
});

Deno.test("foldRuns: a garbled record with a readable run id blocks only that run", () => {
  const { runs, orphanProblems } = fold(
    begin("r1"),
    begin("r2", "db"),
    '{"v":1,"kind":"step-done","run":"r1","index":0,,',
  );
  assert.deepEqual(orphanProblems, []);
  assert.equal(runs.find((r) => r.id === "r1")!.problems[0].kind, "garbled");
  assert.deepEqual(runs.find((r) => r.id === "r2")!.problems, []);
});

Deno.test("foldRuns: a garbled record without a run id, or whose run never began, is an orphan problem", () => {
  assert.equal(fold(begin("r1"), "garbage").orphanProblems[0].kind, "garbled");
  const { orphanProblems } = fold(
    '{"v":1,"at":"x","kind":"run-begin","run":"r9",,,',
    rec("step-intent", "r9", { index: 0 }),
    rec("step-done", "r9", { index: 0 }),
  );
  assert.deepEqual(orphanProblems.map((p) => [p.line, p.kind]), [[1, "garbled"], [2, "inconsistent"]]);
  assert.match(orphanProblems[1].message, /run 'r9', which has no readable run-begin record/);
});

Deno.test("foldRuns: a torn last line is tolerated (never acted on, not a problem of any run)", () => {
  const { runs, orphanProblems } = foldRuns(parseJournal(begin("r1") + "\n" + '{"v":1,"kind":"step-in'));
  assert.deepEqual(orphanProblems, []);
  assert.deepEqual(runs[0].problems, []);
});

Deno.test("foldRuns: a newer-version record is a problem of its run", () => {
  const { runs } = fold(begin("r1"), JSON.stringify({ v: 3, at: AT, kind: "step-done", run: "r1", index: 0 }));
  assert.equal(runs[0].problems[0].kind, "newer-version");
});

Deno.test("foldRuns: inconsistent records (second run-begin, index past the plan, hand-over to no run) are problems of their run", () => {
  const dup = fold(begin("r1"), begin("r1", "other")).runs[0];
  assert.equal(dup.label, "web", "the first run-begin stands");
  assert.match(dup.problems[0].message, /Line 2: a second run-begin record for run 'r1'/);
  const past = fold(begin("r1"), rec("step-done", "r1", { index: 5 })).runs[0];
  assert.match(past.problems[0].message, /step 5 of run 'r1', whose plan has 2 step\(s\)/);
  const lost = fold(
    begin("r1"),
    rec("step-intent", "r1", { index: 0 }),
    rec("step-undone", "r1", { index: 0, how: "handed-over", to: "nope" }),
  )
    .runs[0];
  assert.match(lost.problems[0].message, /handed over to run 'nope', which does not exist/);
  assert.deepEqual(appliedIndexes(lost), [0], "the step is still applied: nobody inherited it");
});

Deno.test("foldRuns: a step handed over to a later run is inherited by it until that run's undo reverts it", () => {
  const { runs } = fold(
    begin("r1"),
    rec("step-intent", "r1", { index: 0 }),
    rec("step-done", "r1", { index: 0 }),
    begin("r2", "db"),
    rec("step-undone", "r1", { index: 0, how: "handed-over", to: "r2" }),
  );
  assert.deepEqual(runs[1].inherited, [{ run: "r1", index: 0 }]);
  const after = fold(
    begin("r1"),
    begin("r2", "db"),
    rec("step-undone", "r1", { index: 0, how: "handed-over", to: "r2" }),
    rec("step-undone", "r1", { index: 0, how: "reverted" }),
  );
  assert.deepEqual(after.runs[1].inherited, []);
});

Deno.test("selectRuns: undo picks the newest open run, a named one, or all newest first; a closed name is nothing to do", () => {
  const { runs } = fold(
    begin("r1", "a"),
    rec("run-end", "r1", { state: "applied" }),
    begin("r2", "b"),
    rec("run-end", "r2", { state: "undone" }),
    begin("r3", "c"),
  );
  assert.deepEqual(selectRuns(runs, undefined).map((r) => r.id), ["r3"]);
  assert.deepEqual(selectRuns(runs, "--all").map((r) => r.id), ["r3", "r1"]);
  assert.deepEqual(selectRuns(runs, "a").map((r) => r.id), ["r1"]);
  assert.deepEqual(selectRuns(runs, "r2"), []);
  assert.throws(() => selectRuns(runs, "zzz"), /No applied run is called 'zzz'/);
});

Deno.test("planUndoAll: a run with an unreadable record is not undone, nor an older run whose object it uses; the rest are, newest first", () => {
  const bridge = [{ kind: "bridge-add", dev: "br0" }];
  const { runs } = fold(
    begin("r1", "old", { steps: bridge }),
    rec("step-intent", "r1", { index: 0 }),
    rec("step-done", "r1", { index: 0 }),
    rec("run-end", "r1", { state: "applied" }),
    begin("r2", "free"),
    rec("run-end", "r2", { state: "applied" }),
    begin("r3", "user", { uses: ["link:br0"] }),
    rec("step-intent", "r3", { index: 0 }),
    '{"v":1,"kind":"step-done","run":"r3",garbage',
    rec("run-end", "r3", { state: "applied" }),
  );
  const plan = planUndoAll(runs);
  assert.deepEqual(plan.will.map((r) => r.id), ["r2"]);
  assert.deepEqual(plan.wont.map((w) => w.run.id), ["r3", "r1"]);
  assert.match(plan.wont[0].why, /^its journal records cannot be read \(Line 9 /);
  assert.equal(plan.wont[1].why, "run 'r3' (user), which will not be undone, uses link:br0");
});

Deno.test("planUndoAll: an object the older run may hand over does not keep it from being undone", () => {
  const bridge = [{ kind: "bridge-add", dev: "br0" }];
  const { runs } = fold(
    begin("r1", "old", { steps: bridge, handover: ["link:br0"] }),
    rec("step-intent", "r1", { index: 0 }),
    rec("step-done", "r1", { index: 0 }),
    rec("run-end", "r1", { state: "applied" }),
    begin("r3", "user", { uses: ["link:br0"] }),
    '{"v":1,"kind":"step-done","run":"r3",garbage',
  );
  const plan = planUndoAll(runs);
  assert.deepEqual(plan.will.map((r) => r.id), ["r1"]);
  assert.deepEqual(plan.wont.map((w) => w.run.id), ["r3"]);
});

Deno.test("foldRuns: a step handed over twice (r1 to r2, then by r2's undo to r3) has one holder at a time; an undo record of it marks that holder's undo begun", () => {
  const lines = [
    begin("r1"),
    rec("step-intent", "r1", { index: 0 }),
    rec("step-done", "r1", { index: 0 }),
    rec("run-end", "r1", { state: "applied" }),
    begin("r2", "db"),
    rec("run-end", "r2", { state: "applied" }),
    begin("r3", "app"),
    rec("run-end", "r3", { state: "applied" }),
    rec("step-undone", "r1", { index: 0, how: "handed-over", to: "r2" }),
    rec("run-end", "r1", { state: "undone" }),
    rec("step-undone", "r1", { index: 0, how: "handed-over", to: "r3" }),
    rec("run-end", "r2", { state: "undone" }),
  ];
  const handed = fold(...lines);
  assert.deepEqual(handed.orphanProblems, []);
  assert.deepEqual(handed.runs.map((r) => r.inherited), [[], [], [{ run: "r1", index: 0 }]]);
  assert.deepEqual(handed.runs.map((r) => r.undoInterrupted), [undefined, undefined, undefined]);
  // r3's undo begins with the step it holds, and is killed before its run-end.
  const begun = fold(...lines, rec("step-undo-failed", "r1", { index: 0, error: "busy" }));
  assert.deepEqual(begun.runs.map((r) => r.undoInterrupted), [undefined, undefined, true]);
  assert.deepEqual(begun.runs[2].inherited, [{ run: "r1", index: 0 }], "a failed inverse leaves it with r3");
  const reverted = fold(...lines, rec("step-undone", "r1", { index: 0, how: "reverted" }));
  assert.deepEqual(reverted.runs.map((r) => r.inherited), [[], [], []]);
  assert.deepEqual(reverted.runs.map((r) => r.undoInterrupted), [undefined, undefined, true]);
});

Deno.test("foldRuns: the fold of one parse is made once and shared; a parse with a record more is folded anew", () => {
  const text = [begin("r1"), rec("step-intent", "r1", { index: 0 }), rec("step-done", "r1", { index: 0 })].join("\n");
  const parsed = parseJournal(`${text}\n`);
  const first = foldRuns(parsed);
  assert.equal(foldRuns(parsed), first);
  assert.equal(foldRuns({ ...parsed }), first, "the same records, lines and problems (as a read of an unchanged file)");
  const other = foldRuns({ ...parsed, problems: [] });
  assert.notEqual(other, first, "other problems: folded anew");
  assert.deepEqual(other.runs[0].stepStates, ["done", "planned"]);
  const longer = foldRuns(parseJournal(`${text}\n${rec("run-end", "r1", { state: "applied" })}\n`));
  assert.notEqual(longer, first);
  assert.equal(longer.runs[0].state, "applied");
  assert.equal(first.runs[0].state, "applying", "the earlier fold is left as it was");
});
