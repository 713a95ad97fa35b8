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
import { type Captured, kindOf, refsOf, renamedStep, type Step } from "../steps/mod.ts";
import { describeIdentity, identityKey, locate } from "../host/identity.ts";
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
 *   `  $ ip link del dev veth-v1`; summaries name objects as the journal does, commands as they are now (an object
 *   renamed since is followed, and said once; one replaced by another of its name is left alone, as undo does).
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
  // Each step as undo acts on it: an object renamed since is followed under its current name, one replaced by
  // another of its name is left alone (`follow` of revert.ts).
  const now: Followed[] = [];
  for (const item of items) now.push(item.subsumedBy === undefined ? await followedNow(item, deps) : NOT_FOLLOWED);
  const told = new Set<string>();
  // Whether each step's effect is gone already (a subsumed or replaced one is not asked: it runs nothing).
  const found: boolean[] = [];
  for (const [i, item] of items.entries()) {
    found.push(
      item.subsumedBy === undefined && now[i].replaced.length === 0 &&
        await gone({ ...item, step: now[i].step ?? item.step, captured: now[i].captured ?? item.captured }, deps),
    );
  }
  const reverts = (i: number) => items[i].subsumedBy === undefined && now[i].replaced.length === 0 && !found[i];
  for (const [listed, original] of items.entries()) {
    const item = {
      ...original,
      step: now[listed].step ?? original.step,
      captured: now[listed].captured ?? original.captured,
    };
    const i = listed;
    const kind = kindOf(item.step);
    const summary = kind.summary(original.step);
    if (item.subsumedBy !== undefined) {
      lines.push(`undo: goes with ${objectWords(item.subsumedBy)}: ${summary}`);
      continue;
    }
    for (const r of now[i].renames) {
      if (!told.has(r)) lines.push(`undo: ${r}; following it`);
      told.add(r);
    }
    if (now[i].replaced.length > 0) {
      lines.push(`undo: left alone: ${summary}: ${now[i].replaced.join("; ")}`);
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

/** A step as undo would act on it now ({@link followedNow}). */
interface Followed {
  /** The step and its captured state under the current names; `undefined`: as recorded. */
  step?: Step;
  captured?: Captured;
  /** One phrase per object renamed since, e.g. `'br0' was renamed to 'brX' (link 7 …)`. */
  renames: string[];
  /** One phrase per object replaced by another of its name: undo leaves the step alone. */
  replaced: string[];
}

/** Nothing followed: a step the preview does not act on. */
const NOT_FOLLOWED: Followed = { renames: [], replaced: [] };

/**
 * A step as undo would act on it now: the objects whose identity the run
 * recorded are located (`locate`, by ifindex and namespace identity, the
 * reads `follow` of revert.ts makes before each inverse); a renamed one is
 * followed, a replaced one makes undo leave the step alone.
 * @param item The step.
 * @param deps Engine dependencies (reads only).
 * @returns The step under its current names and what was found; as recorded when no identity was recorded.
 * @throws {CommandError} When `ip` fails.
 */
async function followedNow(item: RevertItem, deps: EngineDeps): Promise<Followed> {
  const recorded = item.identities ?? {};
  const keys = refsOf(item.step).filter((k) => recorded[k]);
  if (keys.length === 0) return NOT_FOLLOWED;
  const renames = new Map<string, string>();
  const said: string[] = [];
  const replaced: string[] = [];
  for (const [key, w] of await locate(deps.ctx.ip, keys, recorded)) {
    const { type, name } = identityKey(key)!;
    if (w.state === "renamed") {
      renames.set(name, w.name);
      said.push(`'${name}' was renamed to '${w.name}' (${describeIdentity(recorded[key])})`);
    } else if (w.state === "replaced") {
      replaced.push(
        `'${name}' is now another ${type === "netns" ? "network namespace" : "link"} (${
          describeIdentity(w.found)
        }), not the one run '${item.run}' made (${describeIdentity(recorded[key])})`,
      );
    }
  }
  if (renames.size === 0) return { renames: said, replaced };
  return { ...renamedStep(item.step, item.captured, (d) => renames.get(d) ?? d), renames: said, replaced };
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
