/**
 * Whether a run was recorded in the network namespace this process acts in:
 * a question of `undo` (which refuses such a run) and of `status` (which
 * notes it), kept apart from undo's engine so that `status` loads it alone.
 *
 * @module
 */
import { type NetnsRef, sameNetns } from "../host/identity.ts";
import type { RunView } from "../journal/mod.ts";

/**
 * Why a run may not be undone from this network namespace: it was recorded
 * in another one (a lab's journal left on a disk the real host shares, a
 * state directory shared between hosts), where the same link names and
 * indexes are other objects. Pure.
 * @param run The run.
 * @param here The namespace this process acts in (`EngineDeps.netns`).
 * @returns The reason, or `undefined` when it was recorded here, or when
 *   either side is unknown (a journal of an earlier version: acted on as before).
 */
export function recordedElsewhere(run: RunView, here: NetnsRef | undefined): string | undefined {
  if (!run.netns || !here || sameNetns(run.netns, here)) return undefined;
  return `it was applied in another network namespace (net:[${run.netns.ino}]), not this one (net:[${here.ino}]): ` +
    "its links and addresses are not here, and the same names and indexes here are other objects";
}
