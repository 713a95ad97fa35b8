/**
 * Drift: whether the applied steps of a run are still in effect on the host.
 * Each applied step is verified again and asked whether it was reverted
 * meanwhile (deleted or changed by hand, or by another tool), and each named
 * object the run made is looked for by its recorded identity (renamed, or
 * replaced by another under the same name), and what others attached to what
 * the run made is named (a port on its bridge, an address or route on it, a
 * link in its namespace: the very things that keep undo from starting, found
 * by the same function, `foreignAttachments` of undo_hazards.ts); what is
 * found is reported, never repaired. Read-only: it runs only the steps' `verify` and `isReverted` and
 * the host readers.
 *
 * @module
 */
import { describeIdentity, identityKey, locate, type NetnsRef } from "../host/mod.ts";
import { appliedIndexes, type RunView } from "../journal/mod.ts";
import { kindOf, type StepContext } from "../steps/mod.ts";
import { foreignAttachments } from "./undo_hazards.ts";
import { recordedElsewhere } from "./undo.ts";
import { undoProgress, undoProgressNote } from "./undo_progress.ts";

/** What checking a run against the host found. */
export interface RunHealth {
  /** The run is from before a reboot: its objects are gone, so its steps were not checked. */
  stale: boolean;
  /**
   * Set when the run was recorded in another network namespace (see
   * `recordedElsewhere`): its steps were not checked, since the same names
   * here are other objects, and undo will not act on it here.
   */
  elsewhere?: true;
  /** Done steps whose effect is no longer on the host, one line each: the step's summary and what is wrong. */
  drift: string[];
  /**
   * Things to know besides drift, one sentence each: the run was interrupted
   * (killed while applying), its undo was cut short (which steps it reverted,
   * which are still in effect: `undo_progress.ts`), is from before a reboot, has steps whose undo
   * failed or that were started and not completed, or journal records undo
   * will not act on.
   */
  notes: string[];
}

/**
 * Checks each applied step of a run against the host.
 * @param r The run, as folded from the journal.
 * @param ctx What steps read the host with.
 * @param currentBootId This boot's id (`/proc/sys/kernel/random/boot_id`):
 *   a run from another boot is only noted, not checked; `undefined` checks it.
 * @param here The network namespace this process reads: a run recorded in
 *   another one is only noted, not checked; `undefined` checks it.
 * @param journaled Every run of the journal (what nsrecipe itself made and
 *   attached is not foreign, see `foreignAttachments` in undo_hazards.ts);
 *   default: this run alone.
 * @returns The drift and notes found.
 */
export async function checkRun(
  r: RunView,
  ctx: StepContext,
  currentBootId?: string,
  here?: NetnsRef,
  journaled: readonly RunView[] = [r],
): Promise<RunHealth> {
  const drift: string[] = [];
  const notes: string[] = [];
  const stale = currentBootId !== undefined && r.bootId !== currentBootId;
  if (stale) {
    notes.push("from before a reboot: its objects are gone; 'nsrecipe undo' closes it without touching the host");
  }
  if (r.state === "applying") {
    notes.push("interrupted while applying (nsrecipe was killed); 'nsrecipe undo' reverts it");
  }
  // The watchdog's revert of an expired window has its own note (the confirmation's, in status).
  const progress = r.confirm?.state === "expired" ? undefined : undoProgress(r);
  if (progress) notes.push(undoProgressNote(r.label, progress));
  for (const p of r.problems) notes.push(`journal: ${p.message}; undo will not act on this run`);
  if (stale) return { stale, drift, notes };
  const elsewhere = recordedElsewhere(r, here);
  if (elsewhere) {
    notes.push(`${elsewhere}; 'nsrecipe undo' will not act on it here`);
    return { stale, elsewhere: true, drift, notes };
  }
  for (const i of appliedIndexes(r)) {
    const step = r.steps[i];
    const kind = kindOf(step);
    const state = r.stepStates[i];
    if (state === "intent" || state === "failed") {
      notes.push(`step ${i + 1} (${kind.summary(step)}) was started but not completed; undo checks it`);
      continue;
    }
    if (state === "undo-failed") notes.push(`step ${i + 1} (${kind.summary(step)}): undo failed: ${r.errors[i]}`);
    const wrong = await kind.verify(step, ctx).catch((e: Error) => e.message);
    const gone = wrong === undefined && await kind.isReverted(step, ctx, r.captured[i]).catch(() => true);
    if (wrong || gone) {
      drift.push(`${kind.summary(step)}: ${wrong ?? "no longer in effect (changed outside nsrecipe)"}`);
    }
  }
  drift.push(...await identityDrift(r, ctx));
  drift.push(...await attachedByOthers(r, ctx, journaled));
  return { stale, drift, notes };
}

/**
 * The run's named objects that are no longer where its journal recorded them:
 * renamed by hand (undo follows them) or made again by someone else under the
 * same name (undo leaves those alone), found by their recorded identity.
 * @param r The run.
 * @param ctx Step context.
 * @returns One line per such object; `[]` for a journal without identities.
 */
async function identityDrift(r: RunView, ctx: StepContext): Promise<string[]> {
  const keys = Object.keys(r.identities);
  if (keys.length === 0) return [];
  const where = await locate(ctx.ip, keys, r.identities);
  return [...where].flatMap(([key, w]) => {
    const rec = describeIdentity(r.identities[key]);
    const name = identityKey(key)?.name;
    if (w.state === "renamed") return [`'${name}' (${rec}) was renamed to '${w.name}': undo follows it`];
    if (w.state !== "replaced") return [];
    return [
      `'${name}' is now another ${w.found.type === "netns" ? "network namespace" : "link"} (${
        describeIdentity(w.found)
      }), not the one this run made (${rec}): undo will leave it alone`,
    ];
  });
}

/**
 * What someone other than nsrecipe attached to what the run made, as drift
 * lines: the hazards undo refuses to destroy (`foreignAttachments` of
 * undo_hazards.ts, over the run's applied steps), so `status` says
 * beforehand why `undo` will not start.
 * @param r The run.
 * @param ctx Step context (its reader answers from status's one look at the host).
 * @param journaled Every run of the journal.
 * @returns One line per foreign thing, e.g. `'vnet3' is a port of bridge 'br5', which this run made: …`.
 * @throws {CommandError} When `ip` fails.
 */
async function attachedByOthers(r: RunView, ctx: StepContext, journaled: readonly RunView[]): Promise<string[]> {
  const items = appliedIndexes(r).map((index) => ({
    run: r.id,
    index,
    step: r.steps[index],
    captured: r.captured[index],
    identities: r.identities,
  }));
  return (await foreignAttachments(items, journaled, ctx.ip)).map((f) =>
    `${f}, which this run made, attached outside nsrecipe: undo will not start until it is moved or removed`
  );
}
