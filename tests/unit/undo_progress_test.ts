import assert from "node:assert/strict";
import { undoneSteps, undoProgress, undoProgressNote } from "../../src/engine/mod.ts";
import { foldRuns, type RunView } from "../../src/journal/mod.ts";
import { parseJournal } from "../support/journal_text.ts";
import { stateOf } from "../../src/cli/status_view.ts";

const AT = "2026-11-29T06:33:00.000Z";
const STEPS = [
  { kind: "netns-add", netns: "web" },
  { kind: "link-set-up", dev: "lo", netns: "web" },
  { kind: "link-set-up", dev: "eth0", netns: "web" },
];
const rec = (kind: string, extra: Record<string, unknown> = {}, run = "r1") =>
  JSON.stringify({ v: 1, at: AT, kind, run, ...extra });
const begin = (run: string, label: string, uses: string[] = []) =>
  rec("run-begin", { recipe: "netns", label, params: {}, uses, steps: STEPS, bootId: "b", pid: 42 }, run);
const applied = (run: string, label: string, uses: string[] = []) => [
  begin(run, label, uses),
  ...[0, 1, 2].flatMap((index) => [rec("step-intent", { index }, run), rec("step-done", { index }, run)]),
  rec("run-end", { state: "applied" }, run),
];
const fold = (...lines: string[]): RunView[] => foldRuns(parseJournal(lines.join("\n") + "\n")).runs;

Deno.test("H3: an undo cut short after subsumed steps leaves them in effect until their netns is deleted", () => {
  const [r] = fold(
    ...applied("r1", "web"),
    rec("step-undone", { index: 2, how: "subsumed" }),
    rec("step-undone", { index: 1, how: "subsumed" }),
  );
  assert.equal(r.state, "applied");
  assert.equal(r.undoInterrupted, true);
  assert.deepEqual(undoneSteps(r), [{ index: 1, goesWith: "netns:web" }, { index: 2, goesWith: "netns:web" }]);
  const p = undoProgress(r)!;
  assert.deepEqual(p, {
    reverted: [],
    inEffect: [{ index: 1, goesWith: "netns:web" }, { index: 2, goesWith: "netns:web" }],
    applied: [0],
  });
  assert.equal(
    undoProgressNote("web", p),
    "undo was interrupted (killed, or still at work) after reverting 0 of 3 steps; steps 2–3 are recorded as " +
      "going with netns 'web', which is not deleted yet: still in effect; 'nsrecipe undo web' completes it",
  );
  assert.equal(
    stateOf({ state: "applied", stale: false, drift: [], undo: { interrupted: true, ...p, inEffect: [1, 2] } }),
    "undo interrupted",
  );
});

Deno.test("H3: the undo's end record clears it; reverted steps count as reverted; a plain applied run has none", () => {
  const [plain] = fold(...applied("r1", "web"));
  assert.equal(undoProgress(plain), undefined);
  const [done] = fold(
    ...applied("r1", "web"),
    rec("step-undone", { index: 2, how: "reverted" }),
    rec("step-undone", { index: 1, how: "already-gone" }),
    rec("step-undone", { index: 0, how: "reverted" }),
    rec("run-end", { state: "undone" }),
  );
  assert.equal(done.undoInterrupted, undefined);
  const [failed] = fold(
    ...applied("r1", "web"),
    rec("step-undone", { index: 2, how: "reverted" }),
    rec("step-undo-failed", { index: 1, error: "boom" }),
  );
  assert.deepEqual(undoProgress(failed), { reverted: [2], inEffect: [], applied: [0, 1] });
  assert.match(undoProgressNote("web", undoProgress(failed)!), /after reverting 1 of 3 steps \(step 3\); 'nsrecipe/);
  // An undo that ended incomplete, then a second undo cut short: interrupted again.
  const [again] = fold(
    ...applied("r1", "web"),
    rec("step-undo-failed", { index: 2, error: "boom" }),
    rec("run-end", { state: "incomplete" }),
  );
  assert.equal(again.undoInterrupted, undefined);
  const [again2] = fold(
    ...applied("r1", "web"),
    rec("step-undo-failed", { index: 2, error: "boom" }),
    rec("run-end", { state: "incomplete" }),
    rec("step-undone", { index: 2, how: "reverted" }),
  );
  assert.equal(again2.undoInterrupted, true);
});

Deno.test("H3: the undo of a later run cut short while reverting a step handed over to it marks that run, not the older one", () => {
  const runs = fold(
    ...applied("r1", "web"),
    ...applied("r2", "web2", ["netns:web"]),
    rec("step-undone", { index: 0, how: "handed-over", to: "r2" }, "r1"),
    rec("step-undone", { index: 1, how: "reverted" }, "r1"),
    rec("step-undone", { index: 2, how: "reverted" }, "r1"),
    rec("run-end", { state: "undone" }, "r1"),
    // r2's undo reverts the step it inherited from r1, then is killed.
    rec("step-undone", { index: 0, how: "reverted" }, "r1"),
  );
  assert.equal(runs[0].undoInterrupted, undefined);
  assert.equal(runs[1].undoInterrupted, true);
  assert.deepEqual(undoProgress(runs[1])?.applied, [0, 1, 2]);
});
