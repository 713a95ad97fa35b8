/**
 * How far an undo that was cut short got: which of a run's steps are really
 * reverted and which are only recorded `subsumed` while the object whose
 * deletion takes them along is still there. Undo records a subsumed step
 * before it deletes that object (`subsume` in undo.ts: safe against a crash,
 * since undo run again still deletes it), so until that deletion is recorded
 * the step's effect is on the host, whatever its record says. Pure: reads
 * the journal's view of the run only.
 *
 * @module
 */
import { appliedIndexes, type RunView } from "../journal/mod.ts";
import { kindOf, madeObject } from "../steps/mod.ts";

/** Where an undone step of a run stands. */
export interface UndoneStep {
  /** Index of the step in the run's plan, 0-based. */
  index: number;
  /**
   * For a step recorded `subsumed` whose object's deletion is not recorded
   * yet: that object's id (`netns:vb`, `link:veth-vb`); the step's effect is
   * still on the host. Absent for a step really reverted (or found gone, or
   * handed over).
   */
  goesWith?: string;
}

/** How far a run's undo got (see {@link undoProgress}). */
export interface UndoProgress {
  /** Indexes of the steps whose effect is gone from the host (reverted, found gone, handed over), in plan order. */
  reverted: number[];
  /** Steps recorded `subsumed` whose object is still there, in plan order: still in effect. */
  inEffect: { index: number; goesWith: string }[];
  /** Steps still applied by the journal (done, started, or whose undo failed), in plan order. */
  applied: number[];
}

/**
 * Each undone step of a run, with the object it waits for when it was
 * recorded `subsumed` (undo.ts `subsume`) and the step of the same run that
 * deletes that object (a kind with `removes`) is not undone yet.
 * @param r The run.
 * @returns One entry per `undone` step, in plan order.
 */
export function undoneSteps(r: RunView): UndoneStep[] {
  return r.stepStates.flatMap((state, index) => {
    if (state !== "undone") return [];
    if (r.undoneHow[index] !== "subsumed") return [{ index }];
    const step = r.steps[index];
    const within: string[] = kindOf(step).within?.(step) ?? [];
    const goesWith = within.find((o) =>
      r.steps.some((other, j) =>
        j !== index && r.stepStates[j] !== "undone" && r.stepStates[j] !== "planned" &&
        madeObject(other) === o
      )
    );
    return [goesWith === undefined ? { index } : { index, goesWith }];
  });
}

/**
 * How far the undo of a run got, for a run whose undo began and recorded no
 * end (`RunView.undoInterrupted`, e.g. `nsrecipe undo` killed part way).
 * @param r The run.
 * @returns The steps reverted, those recorded subsumed but still in effect,
 *   and those still applied; `undefined` when no undo of the run is cut short.
 */
export function undoProgress(r: RunView): UndoProgress | undefined {
  if (!r.undoInterrupted) return undefined;
  const undone = undoneSteps(r);
  return {
    reverted: undone.filter((u) => u.goesWith === undefined).map((u) => u.index),
    inEffect: undone.flatMap((u) => (u.goesWith === undefined ? [] : [{ index: u.index, goesWith: u.goesWith }])),
    applied: appliedIndexes(r),
  };
}

/**
 * The note `status` gives a run whose undo was cut short.
 * @param label The run's name, for `nsrecipe undo NAME`.
 * @param p How far the undo got ({@link undoProgress}).
 * @returns e.g. `undo was interrupted (killed or still at work) after reverting 1 of 12 steps (step 7); steps 8–12 are
 *   recorded as going with netns 'vb', link 'veth-vb', which are not deleted yet: they are still in effect;
 *   'nsrecipe undo vb' completes it`.
 */
export function undoProgressNote(label: string, p: UndoProgress): string {
  const total = p.reverted.length + p.inEffect.length + p.applied.length;
  const which = p.reverted.length ? ` (${stepList(p.reverted)})` : "";
  const parts = [
    `undo was interrupted (killed, or still at work) after reverting ${p.reverted.length} of ${total} steps${which}`,
  ];
  if (p.inEffect.length > 0) {
    const objects = [...new Set(p.inEffect.map((s) => s.goesWith))].map((o) => {
      const [type, ...name] = o.split(":");
      return `${type} '${name.join(":")}'`;
    });
    parts.push(
      `${stepList(p.inEffect.map((s) => s.index))} ${p.inEffect.length === 1 ? "is" : "are"} recorded as going with ${
        objects.join(", ")
      }, which ${objects.length === 1 ? "is" : "are"} not deleted yet: still in effect`,
    );
  }
  parts.push(`'nsrecipe undo ${label}' completes it`);
  return parts.join("; ");
}

/**
 * Step numbers as people read them (1-based), runs of consecutive ones joined.
 * @param indexes 0-based step indexes, ascending.
 * @returns e.g. `step 7`, `steps 8–12`, `steps 2, 4–5`.
 */
function stepList(indexes: readonly number[]): string {
  const ranges: string[] = [];
  for (let i = 0; i < indexes.length; i++) {
    let j = i;
    while (j + 1 < indexes.length && indexes[j + 1] === indexes[j] + 1) j++;
    ranges.push(j === i ? `${indexes[i] + 1}` : `${indexes[i] + 1}–${indexes[j] + 1}`);
    i = j;
  }
  return `${indexes.length === 1 ? "step" : "steps"} ${ranges.join(", ")}`;
}
