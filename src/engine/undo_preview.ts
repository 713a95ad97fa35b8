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
import { CommandError } from "../errors.ts";
import type { RunView } from "../journal/mod.ts";
import { kindOf } from "../steps/mod.ts";
import type { EngineDeps } from "./deps.ts";
import { batchable, type RevertItem } from "./revert.ts";
import { PEER_GONE_BOUND_MS, peerDeferrals } from "./peer_netns.ts";
import { assertUndoableHere, handedOverWords, leftAloneWords, refuseHazards, subsume, undoDecisions } from "./undo.ts";

/**
 * The lines of a run's undo as it would go now (reads the host, changes nothing).
 * @param target The run.
 * @param runs All runs, oldest first.
 * @param deps Engine dependencies: reads only (the journal is not written).
 * @returns One line per step or command, e.g. `undo: kept for run 'R' (v2), which uses it: create bridge 'br0'`,
 *   `  $ ip link del dev veth-v1`; commands name objects as the journal does (undo follows one renamed since).
 * @throws {PreconditionError} When the undo would be refused before it starts (as {@link undoDecisions} and
 *   {@link assertUndoableHere} say).
 * @throws {UndoError} When a hazard would stop it (`refuseHazards`).
 */
export async function previewUndo(target: RunView, runs: readonly RunView[], deps: EngineDeps): Promise<string[]> {
  assertUndoableHere(target, deps);
  if (target.bootId !== deps.bootId) {
    return ["undo: from before a reboot: its objects are gone; it is only closed in the journal"];
  }
  const lines: string[] = [];
  const toRevert: RevertItem[] = [];
  for (const d of undoDecisions(target, runs)) {
    if (d.how === "left-alone") lines.push(`undo: ${leftAloneWords(d)}`);
    else if (d.how === "handed-over") lines.push(`undo: ${handedOverWords(d)}`);
    else toRevert.push(d.item);
  }
  await refuseHazards(target, runs, toRevert, deps);
  const items = subsume(toRevert);
  // Whether each step's effect is gone already (a subsumed one is not asked: it runs nothing).
  const found: boolean[] = [];
  for (const item of items) found.push(item.subsumedBy === undefined && await gone(item, deps));
  const reverts = (i: number) => items[i].subsumedBy === undefined && !found[i];
  for (const [i, item] of items.entries()) {
    const kind = kindOf(item.step);
    const summary = kind.summary(item.step);
    if (item.subsumedBy !== undefined) {
      lines.push(`undo: goes with ${objectWords(item.subsumedBy)}: ${summary}`);
      continue;
    }
    if (found[i]) {
      lines.push(`undo: already gone: ${summary}`);
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
  return lines;
}

/** An object id in words: `netns:web` → `netns 'web'`. */
function objectWords(id: string): string {
  const [type, ...name] = id.split(":");
  return `${type} '${name.join(":")}'`;
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
