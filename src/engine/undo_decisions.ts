/**
 * What undo decides before anything changes, for each step of a run (pure,
 * over the journal's runs): reverted, handed over to a later open run that
 * uses its object, or left alone; and the later runs that keep a run from
 * being undone at all. `undo` acts on these decisions, and `status` (drift)
 * reads them to say only what the undo would meet: a module of its own so
 * that `status` loads none of undo's machinery.
 *
 * @module
 */
import { PreconditionError } from "../errors.ts";
import { appliedIndexes, isOpen, type RunView } from "../journal/mod.ts";
import { kindOf } from "../steps/mod.ts";
import type { RevertItem } from "./revert.ts";

/**
 * The later, still-open runs that keep a run from being undone: they use an
 * object it owns (its own or inherited steps) that it may not hand over.
 * @param target The run.
 * @param runs All runs, oldest first.
 * @returns Each blocking run with the objects it uses, oldest first; `[]` when none.
 */
export function blockers(target: RunView, runs: readonly RunView[]): { run: RunView; objects: string[] }[] {
  const pinned = pinnableObjects(target, runs);
  return runs.slice(runs.indexOf(target) + 1).filter(isOpen).flatMap((l) => {
    const objects = l.uses.filter((o) => pinned.has(o));
    return objects.length > 0 ? [{ run: l, objects }] : [];
  });
}

/**
 * The objects of a run that a later run would pin: those it owns (its own
 * or inherited steps) and may not hand over; a later open run that uses one
 * keeps the run from being undone ({@link blockers}).
 * @param target The run.
 * @param runs All runs, oldest first.
 * @returns Object keys such as `link:br0`.
 */
export function pinnableObjects(target: RunView, runs: readonly RunView[]): Set<string> {
  const byId = new Map(runs.map((r) => [r.id, r]));
  const owned = new Set<string>(appliedIndexes(target).map((i) => kindOf(target.steps[i]).object(target.steps[i])));
  const shareable = new Set(target.handover);
  for (const ref of target.inherited) {
    const owner = byId.get(ref.run)!;
    owned.add(kindOf(owner.steps[ref.index]).object(owner.steps[ref.index]));
    for (const o of owner.handover) shareable.add(o);
  }
  return new Set([...owned].filter((o) => !shareable.has(o)));
}

/**
 * What undo decides for one step before anything changes:
 * - `left-alone`: its object was removed by hand and `owner`, a later run, made a new one of that name (`object`);
 * - `handed-over`: `to`, a later open run, uses its object and reverts it in its own undo;
 * - `revert`: undo reverts it (or finds it gone, or it goes with an object the same undo deletes).
 */
export type UndoDecision =
  | { item: RevertItem; how: "left-alone"; owner: RunView; object: string }
  | { item: RevertItem; how: "handed-over"; to: RunView }
  | { item: RevertItem; how: "revert" };

/**
 * Decides, for each step of a run's undo, whether it is reverted, handed over
 * to a later run or left alone (pure): the run's own applied steps newest
 * first, then those older runs handed over to it, newest run first.
 * @param target The run.
 * @param runs All runs, oldest first.
 * @returns One decision per step, in the order undo takes them.
 * @throws {PreconditionError} When a later open run uses an object the run may not hand over ({@link blockers}).
 */
export function undoDecisions(target: RunView, runs: readonly RunView[]): UndoDecision[] {
  const byId = new Map(runs.map((r) => [r.id, r]));
  const later = runs.slice(runs.indexOf(target) + 1).filter(isOpen);
  for (const { run: l, objects } of blockers(target, runs)) {
    throw new PreconditionError(
      `Run '${target.id}' (${target.label}) cannot be undone while run '${l.id}' (${l.label}) uses ${
        objects.join(", ")
      }`,
      `Undo '${l.label}' first ('nsrecipe undo ${l.id}'), or 'nsrecipe undo --all'.`,
    );
  }
  const own: RevertItem[] = appliedIndexes(target).reverse().map((index) => ({
    run: target.id,
    index,
    step: target.steps[index],
    captured: target.captured[index],
    identities: target.identities,
    done: target.stepStates[index] === "done" || target.stepStates[index] === "undo-failed",
  }));
  const inherited: RevertItem[] = [...target.inherited]
    .sort((a, b) => runs.indexOf(byId.get(b.run)!) - runs.indexOf(byId.get(a.run)!) || b.index - a.index)
    .map((ref) => {
      const owner = byId.get(ref.run)!;
      return {
        run: ref.run,
        index: ref.index,
        step: owner.steps[ref.index],
        captured: owner.captured[ref.index],
        identities: owner.identities,
      };
    });
  return [...own, ...inherited].map((item): UndoDecision => {
    const object = kindOf(item.step).object(item.step);
    const user = later.find((r) => r.uses.includes(object));
    if (user) return { item, how: "handed-over", to: user };
    const owner = later.find((r) => appliedIndexes(r).some((i) => kindOf(r.steps[i]).object(r.steps[i]) === object));
    return owner ? { item, how: "left-alone", owner, object } : { item, how: "revert" };
  });
}
