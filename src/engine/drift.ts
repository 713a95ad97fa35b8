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
 * the host readers. A check whose read the caller's look did not make (its
 * reader or runner answers with {@link Unread}) is listed as unchecked,
 * neither drift nor in effect.
 *
 * @module
 */
import { describeIdentity, identityKey, locate, type NetnsRef, replacedWords } from "../host/identity.ts";
import { appliedIndexes, type RunView } from "../journal/mod.ts";
import {
  type Captured,
  CREATING_KINDS,
  kindOf,
  madeObject,
  objectId,
  refsOf,
  renamedStep,
  type Step,
  type StepContext,
} from "../steps/mod.ts";
import { foreignAttachments } from "./undo_hazards.ts";
import { type UndoDecision, undoDecisions } from "./undo_decisions.ts";
import { PreconditionError } from "../errors.ts";
import { quote } from "../quote.ts";
import { recordedElsewhere } from "./elsewhere.ts";
import { type UndoProgress, undoProgress, undoProgressNote } from "./undo_progress.ts";

/**
 * The answer of a reader or runner that only holds what one look at the host
 * read (e.g. `status`'s quick view, which reads the host once and not the
 * inside of each namespace) to a read that look did not make: the check that
 * needed it is reported unchecked ({@link RunHealth.unchecked}), not as drift.
 * An expected answer, not a failure: one quick look gives it hundreds of
 * times (each step inside each namespace), so it carries no stack trace,
 * whose capture would cost more than the check it answers.
 */
export class Unread extends Error {
  /** The command the check would have run. */
  readonly argv: readonly string[];

  /**
   * Makes the answer to one read that was not made.
   * @param argv The command the check would have run, e.g. `["ip", "-n", "web", "-json", "-details", "addr", "show"]`.
   */
  constructor(argv: readonly string[]) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(`not read in this look: ${argv.join(" ")}`);
    Error.stackTraceLimit = limit;
    this.argv = argv;
    this.name = "Unread";
  }
}

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
  /**
   * Done steps whose effect is no longer on the host, one line each: the step's summary and what is wrong. The steps
   * whose effect was in an object the run made that is gone (a namespace deleted by hand: its links, addresses,
   * routes, the veth whose other end was in it) are named on the line of the step that made it
   * ({@link foldGone}), not each on a line of its own.
   */
  drift: string[];
  /**
   * The run's own done steps found not in effect, by index: what is wrong (`what`), or, for one whose effect went
   * with a gone object the run made, the index of the step that made it (`with`).
   */
  stepDrift?: Map<number, { what: string } | { with: number }>;
  /**
   * What was not checked, because it needed a read the look did not make
   * ({@link Unread}): each done step's summary, and `links put in 'NS' outside
   * nsrecipe` for a namespace whose links were not read; `[]` when everything
   * was checked.
   */
  unchecked: string[];
  /**
   * Things to know besides drift, one sentence each: the run was interrupted
   * (killed while applying), its undo was cut short (which steps it reverted,
   * which are still in effect: `undo_progress.ts`), is from before a reboot, has steps whose undo
   * failed or that were started and not completed, or journal records undo
   * will not act on.
   */
  notes: string[];
  /**
   * Host links of the run renamed by hand since (found by their recorded identity): recorded name → current name.
   * Its steps are checked under the current names, as undo follows them.
   */
  renamed: Record<string, string>;
  /**
   * Set when an undo of the run began and recorded no end (killed, or still
   * at work): which steps are reverted and which are still in effect, as the
   * host shows them (see `undoFound`).
   */
  undo?: UndoProgress;
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
 * @param unread Whether the look did not read inside a namespace (its reads answer {@link Unread}): a step of a kind
 *   of {@link CHECKED_INSIDE_FIRST} there is then unchecked without its check being run (the check's first read
 *   would be answered so). By default every namespace counts as read.
 * @returns The drift, what was not checked, and notes.
 */
export async function checkRun(
  r: RunView,
  ctx: StepContext,
  currentBootId?: string,
  here?: NetnsRef,
  journaled: readonly RunView[] = [r],
  unread: (netns: string) => boolean = () => false,
): Promise<RunHealth> {
  const drift: string[] = [];
  const unchecked: string[] = [];
  const notes: string[] = [];
  const stale = currentBootId !== undefined && r.bootId !== currentBootId;
  if (stale) {
    notes.push("from before a reboot: its objects are gone; 'nsrecipe undo' closes it without touching the host");
  }
  if (r.state === "applying") {
    notes.push("interrupted while applying (nsrecipe was killed); 'nsrecipe undo' reverts it");
  }
  for (const p of r.problems) notes.push(`journal: ${p.message}; undo will not act on this run`);
  if (stale) return { stale, drift, unchecked, notes, renamed: {} };
  const elsewhere = recordedElsewhere(r, here);
  if (elsewhere) {
    notes.push(`${elsewhere}; 'nsrecipe undo' will not act on it here`);
    return { stale, elsewhere: true, drift, unchecked, notes, renamed: {} };
  }
  // A link renamed by hand is said once, first; its steps are checked under its current name, as undo follows it.
  const identities = await identityDrift(r, ctx, heldSteps(r, journaled));
  drift.push(...identities.lines);
  const own = new Map<number, string>();
  const rename = (dev: string) => identities.renamed[dev] ?? dev;
  const undo = await undoFound(r, ctx);
  // The watchdog's revert of an expired window has its own note (the confirmation's, in status).
  if (undo && r.confirm?.state !== "expired") notes.push(undoProgressNote(r.label, undo));
  for (const i of appliedIndexes(r)) {
    const step = r.steps[i];
    const kind = kindOf(step);
    const state = r.stepStates[i];
    if (state === "intent" || state === "failed") {
      notes.push(`step ${i + 1} (${kind.summary(step)}) was started but not completed; undo checks it`);
      continue;
    }
    if (state === "undo-failed") notes.push(`step ${i + 1} (${kind.summary(step)}): undo failed: ${r.errors[i]}`);
    if (CHECKED_INSIDE_FIRST.has(step.kind) && "netns" in step && step.netns !== undefined && unread(step.netns)) {
      unchecked.push(kind.summary(step));
      continue;
    }
    const found = await stepHealth(renamedStep(step, r.captured[i], rename), ctx);
    if (found === UNREAD) unchecked.push(kind.summary(step));
    else if (found !== undefined) own.set(i, found);
  }
  const folded = foldGone(r, own, identities.gone);
  drift.push(...folded.lines);
  // Steps an earlier run's undo handed over (a shared bridge): this run's undo reverts them, so they are checked as
  // its own, each against its maker's record.
  for (const h of heldSteps(r, journaled)) {
    if (
      CHECKED_INSIDE_FIRST.has(h.step.kind) && "netns" in h.step && h.step.netns !== undefined && unread(h.step.netns)
    ) {
      unchecked.push(h.summary);
      continue;
    }
    const found = await stepHealth(renamedStep(h.step, h.captured, rename), ctx);
    if (found === UNREAD) unchecked.push(h.summary);
    else if (found !== undefined) drift.push(`${h.summary} (made by run ${quote(h.label)}, handed over): ${found}`);
  }
  try {
    drift.push(...await uplinksDown(r, ctx, rename));
  } catch (e) {
    if (!(e instanceof Unread)) throw e;
    unchecked.push("whether the uplink it handed to its bridge is up");
  }
  try {
    const attached = await attachedByOthers(r, ctx, journaled, unread);
    drift.push(...attached.drift);
    unchecked.push(...attached.unchecked);
  } catch (e) {
    if (!(e instanceof Unread)) throw e;
    unchecked.push("what is attached outside nsrecipe to what this run made");
  }
  return {
    stale,
    drift,
    unchecked,
    notes,
    renamed: identities.renamed,
    stepDrift: folded.steps,
    ...(undo ? { undo } : {}),
  };
}

/**
 * Folds the drift of the steps whose effect was in an object the run made
 * that is gone (not found by its recorded identity, under any name) into the
 * line of the step that made it: a namespace deleted by hand takes its
 * links, their addresses and routes, and the veth pair whose other end was in
 * it (veth(4): deleting one end deletes the pair), so one line says it, not
 * one per step. A step's effect is in an object when the object is one it
 * acts on (`StepKind.refs`), holds it (`StepKind.within`), or holds its
 * other end (`StepKind.peerNetns`). Only steps found not in effect are
 * folded; a step folds into the step whose gone object it depended on, and
 * through it into that step's own (the veth's port on a bridge → the veth →
 * its namespace). Pure.
 * @param r The run.
 * @param found What is wrong with each done step of the run found not in effect, by index, in plan order.
 * @param gone Keys of the objects the journal recorded an identity of that are nowhere now (e.g. `netns:a`).
 * @returns The drift lines, in plan order (e.g. `create network namespace 'a': 'a' is not in 'ip netns list'; steps
 *   2, 3 and 7–12 went with it`), and each step's entry for {@link RunHealth.stepDrift}.
 */
export function foldGone(
  r: Pick<RunView, "steps">,
  found: ReadonlyMap<number, string>,
  gone: ReadonlySet<string>,
): { lines: string[]; steps: Map<number, { what: string } | { with: number }> } {
  // The gone objects made by a step found not in effect: object key → that step.
  const maker = new Map<string, number>();
  for (const i of found.keys()) {
    const made = madeObject(r.steps[i]);
    if (made !== undefined && gone.has(made)) maker.set(made, i);
  }
  const applied = [...found.keys()].map((i) => r.steps[i]);
  const steps = new Map<number, { what: string } | { with: number }>();
  const root = (i: number): number => {
    const e = steps.get(i);
    return e !== undefined && "with" in e ? e.with : i;
  };
  for (const [i, what] of [...found].sort(([a], [b]) => a - b)) {
    const step = r.steps[i];
    const kind = kindOf(step);
    const own = madeObject(step);
    const objects = [...refsOf(step), ...kind.within?.(step) ?? [], kind.peerNetns?.(step, applied)].filter((o) =>
      o !== undefined && o !== own
    );
    const by = objects.map((o) => maker.get(o!)).find((m) => m !== undefined && m < i);
    steps.set(i, by === undefined ? { what } : { with: root(by) });
  }
  const lines = [...steps].flatMap(([i, e]) => {
    if (!("what" in e)) return [];
    const went = [...steps].filter(([, f]) => "with" in f && f.with === i).map(([j]) => j + 1);
    const tail = went.length === 0 ? "" : `; ${went.length === 1 ? "step" : "steps"} ${stepRanges(went)} went with it`;
    return [`${kindOf(r.steps[i]).summary(r.steps[i])}: ${e.what}${tail}`];
  });
  return { lines, steps };
}

/**
 * Step numbers as an admin reads them: runs of three or more as a range.
 * @param ns Ascending step numbers (1-based).
 * @returns e.g. `2, 3 and 7–12`.
 */
function stepRanges(ns: readonly number[]): string {
  const parts: string[] = [];
  for (let k = 0; k < ns.length;) {
    let end = k;
    while (end + 1 < ns.length && ns[end + 1] === ns[end] + 1) end++;
    if (end - k >= 2) parts.push(`${ns[k]}–${ns[end]}`);
    else parts.push(...ns.slice(k, end + 1).map(String));
    k = end + 1;
  }
  return parts.length <= 1 ? parts.join("") : `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}

/**
 * The step kinds whose check (`verify`) makes its first read inside the
 * namespace the step names (`netns`): a link, its addresses or the routes
 * there. Where the look did not read that namespace ({@link Unread}), such a
 * check ends unchecked before it reads anything else; {@link checkRun}
 * says so without running it (a quick look over 50 runs has about 200 such
 * steps, each an exception carried through the check's awaits).
 * `tests/unit/drift_inside_test.ts` holds each kind's check to it.
 */
export const CHECKED_INSIDE_FIRST: ReadonlySet<Step["kind"]> = new Set<Step["kind"]>([
  "link-set-up",
  "link-set-netns",
  "addr-add",
  "route-add",
]);

/** {@link stepHealth}'s answer for a step whose check needs a read the look did not make. */
const UNREAD = Symbol("unread");

/**
 * Whether one done step is still in effect: its `verify`, then, when that
 * finds nothing wrong, its `isReverted`.
 * @param acting The step and what it captured, with the current names of links renamed since.
 * @param ctx Step context.
 * @returns `undefined` when in effect; what is wrong (a failed read counts as
 *   that failure); {@link UNREAD} when a read was not made ({@link Unread}).
 */
async function stepHealth(
  acting: { step: Step; captured: Captured },
  ctx: StepContext,
): Promise<string | undefined | typeof UNREAD> {
  const { step, captured } = acting;
  const kind = kindOf(step);
  try {
    const wrong = await kind.verify(step, ctx).catch((e: Error) => {
      if (e instanceof Unread) throw e;
      return e.message;
    });
    if (wrong !== undefined) return wrong || undefined;
    const gone = await kind.isReverted(step, ctx, captured).catch((e: Error) => {
      if (e instanceof Unread) throw e;
      return true;
    });
    return gone ? "no longer in effect (changed outside nsrecipe)" : undefined;
  } catch (e) {
    if (e instanceof Unread) return UNREAD;
    throw e;
  }
}

/**
 * The run's named objects that are no longer where its journal recorded them:
 * renamed by hand (undo follows them) or made again by someone else under the
 * same name (undo leaves those alone), found by their recorded identity. A
 * replaced object is said to be the one the run made (an applied step created
 * it), the one a run made and handed over to it (a held step created it), or
 * the one it acted on (made before it, e.g. the uplink or a bridge of another
 * run).
 * @param r The run.
 * @param ctx Step context.
 * @param held The steps the run holds by hand-over ({@link heldSteps}).
 * @returns One line per such object (`[]` for a journal without identities), the links renamed (old → new name), and
 *   the keys of the objects found nowhere.
 */
async function identityDrift(
  r: RunView,
  ctx: StepContext,
  held: readonly HeldStep[],
): Promise<{ lines: string[]; renamed: Record<string, string>; gone: Set<string> }> {
  const keys = Object.keys(r.identities);
  if (keys.length === 0) return { lines: [], renamed: {}, gone: new Set() };
  const where = await locate(ctx.ip, keys, r.identities);
  // Whose each object was, by the step that created it (`removes`: its inverse deletes it).
  const whose = new Map<string, string>();
  for (const h of held) {
    const made = madeObject(h.step);
    if (made) whose.set(made, `run ${quote(h.label)} made, handed over to this run`);
  }
  for (const i of appliedIndexes(r)) {
    const made = madeObject(r.steps[i]);
    if (made) whose.set(made, "this run made");
  }
  const renamed: Record<string, string> = {};
  const lines = [...where].flatMap(([key, w]) => {
    const rec = describeIdentity(r.identities[key]);
    const id = identityKey(key);
    const name = id?.name;
    if (w.state === "renamed") {
      if (id?.type === "link" && name !== undefined) renamed[name] = w.name;
      return [`'${name}' (${rec}) was renamed to '${w.name}': undo follows it`];
    }
    if (w.state !== "replaced" || name === undefined) return [];
    return [
      `${
        replacedWords(name, w.found, r.identities[key], whose.get(key) ?? "this run acted on")
      }: undo will leave it alone`,
    ];
  });
  const gone = new Set([...where].filter(([, w]) => w.state === "gone").map(([key]) => key));
  return { lines, renamed, gone };
}

/**
 * What someone other than nsrecipe attached to what the run made or holds
 * by hand-over, as drift lines: the hazards undo refuses to destroy
 * (`foreignAttachments` of undo_hazards.ts, over the run's applied and
 * inherited steps), so `status` says beforehand why `undo` will not start;
 * or, for an object its undo hands over to a later run that uses it, that
 * the undo that deletes it at last will not (as `undoDecisions` decides).
 * @param r The run.
 * @param ctx Step context (its reader answers from status's one look at the host).
 * @param journaled Every run of the journal.
 * @param unread Whether the look did not read inside a namespace (see {@link checkRun}): its links are not read.
 * @returns One drift line per foreign thing, e.g. `'vnet3' is a port of bridge 'br5', which this run made: …`;
 *   and `links put in 'NS' outside nsrecipe` for each namespace of the run whose links were not read ({@link Unread}).
 * @throws {CommandError} When `ip` fails.
 * @throws {Unread} When a read of the host (not of a namespace's links) was not made.
 */
async function attachedByOthers(
  r: RunView,
  ctx: StepContext,
  journaled: readonly RunView[],
  unread: (netns: string) => boolean,
): Promise<{ drift: string[]; unchecked: string[] }> {
  const drift: string[] = [];
  const unchecked: string[] = [];
  // What the undo decides for each step (`undoDecisions`): an object it hands over to a later open run that uses it
  // (a shared bridge) is not deleted by this undo, and what is attached to it stops the undo of the run that deletes
  // it at last; one left alone (another run's now) is that run's concern.
  // Decided only when something is found attached (most looks find nothing: 50 runs' decisions cost more than
  // their look).
  let decided: Map<string, UndoDecision> | undefined;
  const stops = (key: string): string | undefined => {
    decided ??= decisionsOf(r, journaled);
    const d = decided.get(key);
    if (d?.how === "left-alone") return undefined;
    return d?.how === "handed-over"
      ? `its undo hands it over to run ${quote(d.to.label)}, and the undo that deletes it will not start until it ` +
        "is moved or removed"
      : "undo will not start until it is moved or removed";
  };
  for (const index of appliedIndexes(r)) {
    const step = r.steps[index];
    // A namespace's links are read inside it: a look that did not read them (Unread) leaves that one unchecked, as
    // does one the caller knows was not read (its read would be answered Unread).
    if (
      step.kind === "netns-add" &&
      (unread(step.netns) || await ctx.ip.links(step.netns).then(() => false, (e) => e instanceof Unread))
    ) {
      unchecked.push(`links put in '${step.netns}' outside nsrecipe`);
      continue;
    }
    const item = { run: r.id, index, step, captured: r.captured[index], identities: r.identities };
    const found = await foreignAttachments([item], journaled, ctx.ip);
    const tail = found.length > 0 ? stops(`${r.id}#${index}`) : undefined;
    if (tail !== undefined) {
      for (const f of found) drift.push(`${f}, which this run made, attached outside nsrecipe: ${tail}`);
    }
  }
  // What the run holds by hand-over is deleted by its undo too, which refuses alike (`foreignAttachments` over its
  // inherited steps).
  for (const h of heldSteps(r, journaled)) {
    const held = { run: h.run, index: h.index, step: h.step, captured: h.captured, identities: h.identities };
    const found = await foreignAttachments([held], journaled, ctx.ip);
    const tail = found.length > 0 ? stops(`${h.run}#${h.index}`) : undefined;
    if (tail === undefined) continue;
    for (const f of found) {
      drift.push(
        `${f}, which this run holds (made by run ${quote(h.label)}, handed over), attached outside nsrecipe: ${tail}`,
      );
    }
  }
  return { drift, unchecked };
}

/**
 * What the run's undo decides for each of its steps, its own and those
 * handed over to it (`undoDecisions`, the decision undo itself makes), by
 * `RUN#INDEX` of the step's maker; none when undo would refuse for a
 * blocker (a later run pins what it owns): every step then counts as
 * reverted.
 * @param r The run.
 * @param journaled Every run of the journal, oldest first.
 * @returns E.g. `Map { "20261203T172354-9e2d#3" => { how: "handed-over", … } }`.
 */
function decisionsOf(r: RunView, journaled: readonly RunView[]): Map<string, UndoDecision> {
  try {
    return new Map(undoDecisions(r, journaled).map((d) => [`${d.item.run}#${d.item.index}`, d]));
  } catch (e) {
    if (e instanceof PreconditionError) return new Map();
    throw e;
  }
}

/** A step of an earlier run handed over to a run by that run's undo, with what its maker recorded of it. */
interface HeldStep {
  /** The maker's run id and the step's index in its plan. */
  run: string;
  index: number;
  step: Step;
  /** The maker's captured prior state of the step, and its identities. */
  captured: Captured | undefined;
  identities: RunView["identities"];
  /** The maker's name (its label) and the step's summary. */
  label: string;
  summary: string;
}

/**
 * The steps handed over to a run (`RunView.inherited`), resolved in the
 * journal's runs; a reference to a run or step the journal lacks is left
 * out (the journal reader reports it).
 * @param r The run.
 * @param journaled Every run of the journal.
 * @returns In the order the hand-overs are recorded.
 */
function heldSteps(r: RunView, journaled: readonly RunView[]): HeldStep[] {
  return r.inherited.flatMap((ref) => {
    const owner = journaled.find((o) => o.id === ref.run);
    const step = owner?.steps[ref.index];
    if (!owner || !step) return [];
    return [{
      run: owner.id,
      index: ref.index,
      step,
      captured: owner.captured[ref.index],
      identities: owner.identities,
      label: owner.label,
      summary: kindOf(step).summary(step),
    }];
  });
}

/**
 * How far a cut-short undo of the run got (`undoProgress`), with the host
 * asked about each step recorded subsumed whose object is not deleted yet:
 * its effect may have gone with another object the undo did delete (the
 * namespace's end of a veth pair goes with the pair, not with the
 * namespace), so the step's own `isReverted` decides; one it cannot tell
 * (the host not read) counts as still in effect.
 * @param r The run.
 * @param ctx Step context.
 * @returns The progress; `undefined` when no undo of the run is cut short.
 */
async function undoFound(r: RunView, ctx: StepContext): Promise<UndoProgress | undefined> {
  const p = undoProgress(r);
  if (!p) return undefined;
  const inEffect: UndoProgress["inEffect"] = [];
  const reverted = [...p.reverted];
  for (const s of p.inEffect) {
    const step = r.steps[s.index];
    const gone = await kindOf(step).isReverted(step, ctx, r.captured[s.index]).catch(() => false);
    if (gone) reverted.push(s.index);
    else inEffect.push(s);
  }
  return { ...p, reverted: reverted.sort((a, b) => a - b), inEffect };
}

/**
 * The uplinks a run handed to its bridge (full-migrate's enslaving of a link
 * the run did not make) that are down or without carrier (M5): such a link
 * is the bridge's one way to the host's LAN, so the host is offline on the
 * LAN although every step is in place. ip-link(8) flags: `UP` (set up
 * administratively) and `LOWER_UP` (carrier).
 * @param r The run.
 * @param ctx Step context.
 * @param rename A host link's current name (one renamed by hand is followed).
 * @returns One drift line per such link.
 * @throws {Unread} When the look did not read the links.
 */
async function uplinksDown(r: RunView, ctx: StepContext, rename: (dev: string) => string): Promise<string[]> {
  const made = new Set(r.steps.filter((s) => CREATING_KINDS.has(s.kind)).map((s) => kindOf(s).object(s)));
  const out: string[] = [];
  for (const i of appliedIndexes(r)) {
    const s = r.steps[i];
    if (s.kind !== "link-set-master" || r.stepStates[i] !== "done" || made.has(objectId("link", s.dev))) {
      continue;
    }
    const dev = rename(s.dev);
    const link = await ctx.ip.link(dev);
    if (!link) continue; // gone: the step's own check says so
    const up = link.flags.includes("UP");
    if (up && link.flags.includes("LOWER_UP")) continue;
    out.push(
      `'${dev}' is ${up ? "without carrier (NO-CARRIER)" : "down"}: it is the port that carries the host's LAN on ` +
        `bridge '${rename(s.master)}', so the host is offline on the LAN${
          up ? "" : ` ('ip link set ${dev} up' brings it back)`
        }`,
    );
  }
  return out;
}
