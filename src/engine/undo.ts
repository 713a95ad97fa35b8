/**
 * Undo: replays the inverse of every applied step of a run, newest first,
 * then the steps older runs handed over to it. A step whose object a later,
 * still-applied run uses (a shared bridge) is not reverted but handed over
 * to that run, whose own undo reverts it later; so undoing a run never removes
 * what another applied run needs.
 *
 * @module
 */
import { PreconditionError, UndoError } from "../errors.ts";
import { type NetnsRef, SnapshotIpReader } from "../host/mod.ts";
import { recordedElsewhere } from "./elsewhere.ts";
import { isOpen, type RunView } from "../journal/mod.ts";
import { kindOf, madeObject } from "../steps/mod.ts";
import type { EngineDeps } from "./deps.ts";
import { closeRun, type RevertItem, revertItems, type RevertOutcome } from "./revert.ts";
import { foreignAttachments, namespacesLookedInto, unrestorable } from "./undo_hazards.ts";
import { blockers, pinnableObjects, type UndoDecision, undoDecisions } from "./undo_decisions.ts";
export { blockers, type UndoDecision, undoDecisions } from "./undo_decisions.ts";
// The runs undo acts on are picked without the rest of the engine (undo_select.ts); re-exported for its users.
export { loadRuns, selectRuns } from "./undo_select.ts";

/** What one undo did. */
export interface UndoReport {
  /** Id of the run undone. */
  run: string;
  /** Its label (netns name or recipe), as in `undo NAME`. */
  label: string;
  /** `undone`, or `stale` when the run predates a reboot and nothing was touched. */
  result: "undone" | "stale";
  /** One per step reverted or found gone: the run's own steps newest first, then inherited ones; `[]` for `stale`. */
  outcomes: RevertOutcome[];
  /** Steps kept for a later run: summary and the run id they went to. */
  handedOver: { summary: string; to: string }[];
}

/**
 * The open runs not confirmed yet (waiting in their confirmation window, or
 * past it and not yet reverted) that a new run using `uses` would pin: it
 * would block their revert ({@link blockers}), so that the watchdog could not
 * undo the change nobody confirmed. Pure.
 * @param uses The objects the new run's plan uses (`Plan.uses`, e.g. `link:br0`).
 * @param runs All runs, oldest first.
 * @returns Each such run with the objects the new run would pin, oldest first; `[]` when none.
 */
export function unconfirmedPinned(
  uses: readonly string[],
  runs: readonly RunView[],
): { run: RunView; objects: string[] }[] {
  return runs.filter((r) => isOpen(r) && r.confirm !== undefined && r.confirm.state !== "confirmed").flatMap((r) => {
    const pinned = pinnableObjects(r, runs);
    const objects = uses.filter((o) => pinned.has(o));
    return objects.length > 0 ? [{ run: r, objects }] : [];
  });
}

/** What `undo --all` will do, decided before it starts (see {@link planUndoAll}). */
export interface UndoAllPlan {
  /** Runs it will undo (or close, when from before a reboot), newest first. */
  will: RunView[];
  /** Runs it will not undo, newest first, each with the reason. */
  wont: { run: RunView; why: string }[];
}

/**
 * Decides, before anything changes, which open runs `undo --all` will undo
 * and which it will not: a run whose journal records cannot be fully read
 * (damaged, or written by a newer nsrecipe), and an older run whose objects
 * such a run uses (undoing it would pull them away from under that run),
 * a run recorded in another network namespace ({@link recordedElsewhere}).
 * Pure.
 * @param runs All runs, oldest first.
 * @param here The network namespace this process acts in, when known.
 * @returns The plan.
 */
export function planUndoAll(runs: readonly RunView[], here?: NetnsRef): UndoAllPlan {
  const plan: UndoAllPlan = { will: [], wont: [] };
  for (const r of runs.filter(isOpen).reverse()) {
    const elsewhere = recordedElsewhere(r, here);
    if (elsewhere) {
      plan.wont.push({ run: r, why: elsewhere });
      continue;
    }
    if (r.problems.length > 0) {
      const newer = r.problems.some((p) => p.kind === "newer-version");
      plan.wont.push({
        run: r,
        why: newer
          ? "its journal records were written by a newer nsrecipe"
          : `its journal records cannot be read (${r.problems.map((p) => p.message).join("; ")})`,
      });
      continue;
    }
    const kept = blockers(r, runs).find((b) => plan.wont.some((w) => w.run.id === b.run.id));
    if (kept) {
      plan.wont.push({
        run: r,
        why: `run '${kept.run.id}' (${kept.run.label}), which will not be undone, uses ${kept.objects.join(", ")}`,
      });
      continue;
    }
    plan.will.push(r);
  }
  return plan;
}

/**
 * Marks the steps whose effect goes with an object the same undo deletes
 * later (a netns or a link the run made: `StepKind.removes`), so that they
 * need no inverse of their own (`StepKind.within`): a netns's addresses,
 * routes, links up and the link moved into it; a made link's up, settings and
 * bridge port. Which object the deletion removes is checked there, by its
 * recorded identity (`revertItems`): a netns or link made again by someone
 * else is left alone, and the subsumed steps' effects were in the one that is
 * gone. Recording them before the deletion is safe against a crash: undo,
 * run again, still deletes the object. Also marks the steps whose object has
 * its other end in a netns the same undo deletes later (`StepKind.peerNetns`:
 * the veth pair whose peer was moved into it, by a step recorded done),
 * which may go with it once it is destroyed: those are not recorded before
 * their object is seen gone (`peer_netns.ts`). Pure.
 * @param items Steps to revert, in the order they are reverted.
 * @returns The same items, each subsumed one with `subsumedBy`, each one that may go with a netns with `peerNetns`.
 */
export function subsume(items: readonly RevertItem[]): RevertItem[] {
  // Only what is known to have happened moved a peer: a step recorded only as intended (its run stopped in between,
  // e.g. killed inside the batch after the veth was made) may not have run, its peer still on the host.
  const steps = items.filter((i) => i.done !== false).map((i) => i.step);
  return items.map((item, i) => {
    const kind = kindOf(item.step);
    const removedLater = (o: string) => items.slice(i + 1).some((later) => madeObject(later.step) === o);
    const by = (kind.within?.(item.step) ?? []).find(removedLater);
    if (by !== undefined) return { ...item, subsumedBy: by };
    const peer = kind.peerNetns?.(item.step, steps);
    return peer !== undefined && removedLater(peer) ? { ...item, peerNetns: peer } : item;
  });
}

/**
 * Undoes one run.
 *
 * @param target The run.
 * @param runs All runs, oldest first (for later runs that use its objects).
 * @param deps Engine dependencies.
 * @returns What was done.
 * @throws {PreconditionError} When the run's journal records cannot be fully
 *   read, or it was recorded in another network namespace (nothing is touched).
 * @throws {UndoError} When some step could not be reverted (the run stays
 *   `incomplete`; undo can be run again).
 */
export async function undoRun(target: RunView, runs: readonly RunView[], deps: EngineDeps): Promise<UndoReport> {
  assertUndoableHere(target, deps);
  const report: UndoReport = { run: target.id, label: target.label, result: "undone", outcomes: [], handedOver: [] };
  if (target.bootId !== deps.bootId) {
    deps.log(`Run '${target.id}' is from before a reboot: its objects are gone; closing it without touching the host.`);
    await deps.journal.append({ kind: "run-end", run: target.id, state: "stale" });
    return { ...report, result: "stale" };
  }
  const toRevert: RevertItem[] = [];
  for (const d of undoDecisions(target, runs)) {
    const { item } = d;
    const summary = kindOf(item.step).summary(item.step);
    if (d.how === "left-alone") {
      // The object was removed by hand and a later run made a new one of the same name: that one is not ours.
      await deps.journal.append({ kind: "step-undone", run: item.run, index: item.index, how: "already-gone" });
      deps.log(`  undo: ${leftAloneWords(d)}`);
      report.outcomes.push({ item, how: "already-gone" });
    } else if (d.how === "handed-over") {
      await deps.journal.append({
        kind: "step-undone",
        run: item.run,
        index: item.index,
        how: "handed-over",
        to: d.to.id,
      });
      report.handedOver.push({ summary, to: d.to.id });
      deps.log(`  undo: ${handedOverWords(d)}`);
    } else {
      toRevert.push(item);
    }
  }
  // The hazards' look at the host also locates and checks the steps, until the first inverse changes something.
  const look = new SnapshotIpReader(deps.ctx.run);
  await refuseHazards(target, runs, toRevert, deps, look);
  report.outcomes.push(...(await revertItems(subsume(toRevert), deps, "undo", look)));
  await closeRun(`Undo of run '${target.id}' (${target.label})`, target.id, report.outcomes, "undone", deps);
  return report;
}

/**
 * Refuses to undo a run whose journal records cannot be fully read, or that
 * was recorded in another network namespace (pure).
 * @param target The run.
 * @param deps Engine dependencies (the journal's path, this process's namespace).
 * @throws {PreconditionError} Saying why and what to do; nothing is touched.
 */
export function assertUndoableHere(target: RunView, deps: Pick<EngineDeps, "journal" | "netns">): void {
  if (target.problems.length > 0) {
    const newer = target.problems.some((p) => p.kind === "newer-version");
    throw new PreconditionError(
      `Run '${target.id}' (${target.label}) has journal records nsrecipe cannot read in '${deps.journal.path}': ${
        target.problems.map((p) => p.message).join("; ")
      }`,
      newer
        ? "Undo it with the newer nsrecipe that wrote them; this one will not act on records it cannot fully read."
        : "Undo will not act on a record it cannot fully read: see 'nsrecipe journal', revert by hand what the run made ('nsrecipe status' lists it), then move the journal aside.",
    );
  }
  const elsewhere = recordedElsewhere(target, deps.netns);
  if (elsewhere) {
    throw new PreconditionError(
      `Run '${target.id}' (${target.label}) in '${deps.journal.path}' is not undone here: ${elsewhere}; nothing was changed`,
      "Undo it from the namespace (host or lab) it ran in. If that is gone (a lab that ended), its objects went " +
        "with it: move the journal aside.",
    );
  }
}

/** The words for a step left alone, e.g. `left alone: create bridge 'br0' (link:br0 now belongs to run 'R' (v2))`. */
export function leftAloneWords(d: Extract<UndoDecision, { how: "left-alone" }>): string {
  return `left alone: ${
    kindOf(d.item.step).summary(d.item.step)
  } (${d.object} now belongs to run '${d.owner.id}' (${d.owner.label}))`;
}

/** The words for a step handed over, e.g. `kept for run 'R' (v2), which uses it: create bridge 'br0'`. */
export function handedOverWords(d: Extract<UndoDecision, { how: "handed-over" }>): string {
  return `kept for run '${d.to.id}' (${d.to.label}), which uses it: ${kindOf(d.item.step).summary(d.item.step)}`;
}

/** Kinds whose hazards are read from the host's links, addresses and routes (see `undo_hazards.ts`). */
const HOST_LINK_HAZARDS: ReadonlySet<string> = new Set([
  "bridge-add",
  "veth-add",
  "addr-del",
  "route-del",
  "neigh-del",
]);

/**
 * Refuses, before any inverse runs, an undo that would destroy what is not
 * the run's own or take away addresses it cannot put back (see
 * `undo_hazards.ts`). The run stays applied and the host as it is; once the
 * admin has dealt with what is named, `nsrecipe undo` again goes ahead.
 * Exit 5 ("needs attention"), as for an object left alone.
 *
 * @param target The run.
 * @param runs All runs (their steps are what nsrecipe itself made).
 * @param toRevert The steps undo would revert.
 * @param deps Engine dependencies.
 * @param look The look at the host to read, fresh (undo goes on with it); default a new one.
 * @throws {UndoError} When anything is found.
 */
export async function refuseHazards(
  target: RunView,
  runs: readonly RunView[],
  toRevert: readonly RevertItem[],
  deps: EngineDeps,
  look: SnapshotIpReader = new SnapshotIpReader(deps.ctx.run),
): Promise<void> {
  const what = `Undo of run '${target.id}' (${target.label})`;
  // Nothing changes while the hazards are looked for: one snapshot answers every step's questions (per-link
  // ones from the whole lists). A run that deletes or strips host links has its host read in one process, and the
  // links inside each namespace it deletes are read beside it (not one after the other: a process waits for a CPU
  // on a busy host, and `undo --all` waits so once per run), with the processes inside it (emptied before it is
  // deleted: `netns-add`'s `beforeInverse`, which reads them through this look when nothing changed since).
  const host = toRevert.some((i) => HOST_LINK_HAZARDS.has(i.step.kind) && !("netns" in i.step && i.step.netns));
  await Promise.all([
    host ? look.prefetch() : undefined,
    // A namespace that cannot be read: nothing is kept, and its error is given where the answer is needed.
    ...namespacesLookedInto(toRevert).map((ns) => look.prefetchWithProcesses(ns)),
  ]);
  const lost = await unrestorable(toRevert, look);
  if (lost.lost.length > 0) {
    throw new UndoError(
      `${what} did not start: it would leave the host without addresses it cannot put back`,
      lost.lost,
      "Nothing was changed; the run stays applied. Either carry on migrated: " +
        lost.holders.map((h) => `'ip link set dev ${h.from} master ${h.holder}'`).join(", ") +
        "; or restore by hand: " + lost.holders.map((h) => `'ip link del dev ${h.holder}'`).join(", ") + ", then " +
        lost.commands.map((c) => `'${c}'`).join(", ") +
        ", and run 'nsrecipe undo' to close the run (it leaves the replaced link alone).",
    );
  }
  const foreign = await foreignAttachments(toRevert, runs, look);
  if (foreign.length > 0) {
    throw new UndoError(
      `${what} did not start: deleting what the run made would destroy what someone else attached to it`,
      foreign,
      "Nothing was changed; the run stays applied. Move these elsewhere or remove them yourself (nsrecipe " +
        "touches only what it made), then run 'nsrecipe undo' again.",
    );
  }
}
