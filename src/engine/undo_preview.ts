/**
 * What `--dry-run undo` shows: for one run, what its undo would do, step by
 * step, in the order undo acts, without changing anything or writing the
 * journal: the steps kept for a later run, those left alone, those that go
 * with a namespace or link the same undo deletes, those already gone, and the
 * commands each other step's inverse runs (`StepKind.preview`: what a
 * revert does besides, e.g. the processes a namespace's deletion ends; then
 * `StepKind.inverse`'s commands). An undo that would refuse (a later run uses its
 * objects, a hazard of `undo_hazards.ts`) refuses the same way.
 *
 * @module
 */
import { CommandError, PreconditionError, UndoError } from "../errors.ts";
import type { RunView } from "../journal/mod.ts";
import { kindOf, madeObject } from "../steps/mod.ts";
import type { EngineDeps } from "./deps.ts";
import { batchable, objectWords, type RevertItem, type StepNow, subsumerGone, whereNow } from "./revert.ts";
import { PEER_GONE_BOUND_MS, peerDeferrals } from "./peer_netns.ts";
import { assertUndoableHere, handedOverWords, leftAloneWords, refuseHazards, subsume, undoDecisions } from "./undo.ts";

/** What a run's undo would do now, as {@link previewUndo} reads it. */
export interface UndoPreview {
  /**
   * One line per step or command, e.g. `undo: kept for run 'R' (v2), which uses it: create bridge 'br0'`,
   * `  $ ip link del dev veth-v1`; summaries name objects as the journal does, commands as they are now.
   */
  lines: string[];
  /**
   * The steps it would leave alone because someone else made their object again under the same name, each
   * `SUMMARY: WHY` as the undo's error lists them (`closeRun`): the undo then closes the run and exits 5.
   */
  leftAlone: string[];
  /** The objects its inverses would delete (a netns, a link the run made), as object ids, e.g. `link:br0`. */
  deletes: string[];
}

/**
 * What a run's undo would do as it would go now (reads the host, changes nothing). Each step is judged in the
 * undo's order of questions (`revertOne`, `revertBatch` of revert.ts): where its objects are now (a renamed one
 * followed), then whether its effect is gone already, and only then whether an object was made again by someone else.
 * @param target The run.
 * @param runs All runs, oldest first.
 * @param deps Engine dependencies: reads only (the journal is not written).
 * @param deletedBefore Objects (ids, e.g. `link:br0`) that undos done before this one will have deleted (a newer
 *   run's own bridge, in `undo --all`): one found made again under such a name is gone when this undo comes to it.
 * @returns Its lines (an object renamed since is followed, and said once; one replaced by another of its name is
 *   left alone, as undo does), the steps it would leave alone that way, and the objects it would delete.
 * @throws {PreconditionError} When the undo would be refused before it starts (as {@link undoDecisions} and
 *   {@link assertUndoableHere} say).
 * @throws {UndoError} When a hazard would stop it (`refuseHazards`).
 */
export async function previewUndo(
  target: RunView,
  runs: readonly RunView[],
  deps: EngineDeps,
  deletedBefore: ReadonlySet<string> = new Set(),
): Promise<UndoPreview> {
  assertUndoableHere(target, deps);
  if (target.bootId !== deps.bootId) {
    return {
      lines: ["undo: from before a reboot: its objects are gone; it is only closed in the journal"],
      leftAlone: [],
      deletes: [],
    };
  }
  const lines: string[] = [];
  const leftAlone: string[] = [];
  const toRevert: RevertItem[] = [];
  for (const d of undoDecisions(target, runs)) {
    if (d.how === "left-alone") lines.push(`undo: ${leftAloneWords(d)}`);
    else if (d.how === "handed-over") lines.push(`undo: ${handedOverWords(d)}`);
    else toRevert.push(d.item);
  }
  await refuseHazards(target, runs, toRevert, deps);
  const items = subsume(toRevert);
  // Each step as undo acts on it: an object renamed since is followed under its current name, one replaced by
  // another of its name is left alone (`follow` of revert.ts).
  const now: StepNow[] = [];
  for (const item of items) {
    now.push(
      item.subsumedBy === undefined
        ? await whereNow(item, deps)
        : { step: item.step, captured: item.captured, renamed: [], replaced: [], replacedKeys: [] },
    );
  }
  const told = new Set<string>();
  // Whether each step's effect is gone already, asked before whether an object was made again (as undo asks: an
  // effect gone is "already reverted" whoever holds the name now); an object a previous undo deletes is gone then.
  const found: boolean[] = [];
  for (const [i, item] of items.entries()) {
    const deletedMeanwhile = now[i].replacedKeys.length > 0 && now[i].replacedKeys.every((k) => deletedBefore.has(k));
    found.push(
      item.subsumedBy === undefined &&
        (deletedMeanwhile || await gone({ ...item, step: now[i].step, captured: now[i].captured }, deps)),
    );
  }
  const reverts = (i: number) => items[i].subsumedBy === undefined && !found[i] && now[i].replaced.length === 0;
  for (const [listed, original] of items.entries()) {
    const item = {
      ...original,
      step: now[listed].step,
      captured: now[listed].captured,
    };
    const i = listed;
    const kind = kindOf(item.step);
    const summary = kind.summary(original.step);
    if (item.subsumedBy !== undefined) {
      // As undo says it (revert.ts): an object deleted already took the step's effect with it.
      const went = await subsumerGone(item, deps);
      lines.push(
        went === undefined
          ? `undo: goes with ${objectWords(item.subsumedBy)}: ${summary}`
          : `undo: went with ${objectWords(item.subsumedBy)} (${went}): ${summary}`,
      );
      continue;
    }
    for (const r of now[i].renamed) {
      if (!told.has(r.key)) lines.push(`undo: ${r.words}; following it`);
      told.add(r.key);
    }
    if (found[i]) {
      lines.push(`undo: already gone: ${summary}`);
      continue;
    }
    if (now[i].replaced.length > 0) {
      leftAlone.push(`${summary}: ${now[i].replaced.join("; ")}`);
      lines.push(`undo: left alone: ${leftAlone.at(-1)}`);
      continue;
    }
    const inverse = (kind.inverse?.(item.step, item.captured) ?? []).map((argv) => `$ ${argv.join(" ")}`);
    if (goesWithPeer(items, i, reverts)) {
      // Its inverse is left out of the batch that deletes the netns; it runs only if the object outlives it.
      lines.push(
        `undo: goes with ${objectWords(item.peerNetns!)} (its other end is in it): ${summary}`,
        ...inverse.map((l) => `  if still there ${PEER_GONE_BOUND_MS / 1000} s after the netns is deleted: ${l}`),
      );
      continue;
    }
    const how = [...await kind.preview?.(item.step, deps.ctx, item.captured) ?? [], ...inverse];
    lines.push(`undo: revert: ${summary}`, ...how.map((l) => `  ${l}`));
  }
  // Under their names now: a bridge renamed by hand is deleted as what it is called now, and its old name stays.
  const deletes = items.flatMap((_, i) => {
    const made = reverts(i) ? madeObject(now[i].step) : undefined;
    return made ? [made] : [];
  });
  return { lines, leftAlone, deletes };
}

/** Why a run's undo would not start, as {@link previewUndoAll} finds it. */
export interface Refusal {
  /** The error's message (`UndoError` or `PreconditionError`), naming the run. */
  why: string;
  /** Whether it is a refusal over the host (an `UndoError`: exit 5, the host needs attention) rather than a precondition. */
  attention: boolean;
}

/** What the undos of an `undo --all` plan would do, as {@link previewUndoAll} reads it: by run id. */
export interface UndoAllPreview {
  /** The runs whose undo would refuse to start, and why; a run that refuses has no other entry. */
  refusals: Map<string, Refusal>;
  /** The runs whose undo would close them but leave steps alone (each `SUMMARY: WHY`, as {@link UndoPreview}). */
  leftAlone: Map<string, string[]>;
}

/**
 * What the undos of an `undo --all` plan would do, in its order: each run
 * previewed ({@link previewUndo}) with the newer runs whose undo would go
 * ahead closed, as they will be when its turn comes (newest first, none of
 * them hands anything over: every later run is closed by then), against the
 * host as it is now less what those undos delete (nsrecipe's own netns and
 * links, never what stops an undo; an object of such a name made again by
 * hand is gone by the older run's turn): which would refuse to start, and
 * which would leave steps alone (an object made again by someone else: the
 * run is closed all the same).
 * A run from before a reboot is only closed. Reads only.
 * @param will The runs the plan will undo, newest first (`UndoAllPlan.will`).
 * @param runs All runs, oldest first.
 * @param deps Engine dependencies (reads only).
 * @returns The refusals and the steps left alone, by run id; both empty when every undo would go through.
 * @throws {CommandError} When `ip` fails.
 */
export async function previewUndoAll(
  will: readonly RunView[],
  runs: readonly RunView[],
  deps: EngineDeps,
): Promise<UndoAllPreview> {
  const refusals = new Map<string, Refusal>();
  const leftAlone = new Map<string, string[]>();
  const closed = new Set<string>();
  // What the undos before each one delete (their own netns and links): gone when its turn comes.
  const deleted = new Set<string>();
  for (const t of will) {
    if (t.bootId !== deps.bootId) {
      closed.add(t.id);
      continue;
    }
    const then = runs.map((r): RunView => closed.has(r.id) ? { ...r, state: "undone" } : r);
    try {
      const preview = await previewUndo(then.find((r) => r.id === t.id)!, then, deps, deleted);
      if (preview.leftAlone.length > 0) leftAlone.set(t.id, preview.leftAlone);
      for (const d of preview.deletes) deleted.add(d);
      closed.add(t.id);
    } catch (e) {
      if (e instanceof UndoError) refusals.set(t.id, { why: e.message, attention: true });
      else if (e instanceof PreconditionError) refusals.set(t.id, { why: e.message, attention: false });
      else throw e;
    }
  }
  return { refusals, leftAlone };
}

/**
 * Whether undo will leave a step's inverse out of its batch because the
 * netns its object's other end is in is deleted in that batch (as
 * `revertBatch` decides with `peerDeferrals`): the step and the one that
 * deletes that netns both to be reverted, in one batch (`batchable`).
 * @param items The steps, as `subsume` marks them, in undo's order.
 * @param i The step's position.
 * @param reverts Whether the step at a position will run its inverse (not subsumed, not gone already).
 */
function goesWithPeer(items: readonly RevertItem[], i: number, reverts: (i: number) => boolean): boolean {
  const batch = batchable(items, i).map((item) => items.indexOf(item)).filter(reverts);
  return peerDeferrals(batch.map((j) => items[j])).has(batch.indexOf(i));
}

/** Whether a step's effect is already gone; one that cannot be read counts as still there. */
async function gone(item: RevertItem, deps: EngineDeps): Promise<boolean> {
  try {
    return await kindOf(item.step).isReverted(item.step, deps.ctx, item.captured);
  } catch (e) {
    if (e instanceof CommandError) return false;
    throw e;
  }
}
