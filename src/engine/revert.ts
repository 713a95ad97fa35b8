/**
 * Reverting steps, newest first, shared by rollback (after a failed step) and
 * undo. Idempotent: a step whose effect is already gone is recorded as
 * `already-gone`, so reverting can be repeated after a crash.
 *
 * @module
 */
import { CommandError, UndoError } from "../errors.ts";
import { JournalWriteError, type RecordBody } from "../journal/mod.ts";
import {
  describeIdentity,
  type Identities,
  identityKey,
  IpReader,
  locate,
  memoRunner,
  replacedWords,
  SnapshotIpReader,
} from "../host/mod.ts";
import { type Captured, kindOf, madeObject, refsOf, renamedStep, type Step } from "../steps/mod.ts";
import type { EngineDeps } from "./deps.ts";
import { InjectedFault } from "./faults.ts";
import { batchLine, batchMessage, batchNetns, failedLine, readAnswers, withReads } from "./ip_batch.ts";
import { EmptyNetnsLook } from "./polling_look.ts";
import { awaitGone, lookHostEnd, peerDeferrals } from "./peer_netns.ts";

/** A step to revert, with its journal identity and captured prior state. */
export interface RevertItem {
  /** Id of the run whose plan holds the step (for a handed-over step, the original run). */
  run: string;
  /** Index of the step in that run's plan, 0-based. */
  index: number;
  /** The step itself. */
  step: Step;
  /** Prior state from the step's intent record; absent when the kind captures nothing. */
  captured?: Captured;
  /**
   * Identities of the named objects of the step's run, by object key (see
   * `src/host/identity.ts`); absent or partial for journals of earlier
   * versions, whose objects are then found by name.
   */
  identities?: Identities;
  /**
   * The object the same undo deletes after this step, with which the step's
   * effect goes (`StepKind.within`): the step is recorded `subsumed`, no
   * inverse of its own runs.
   */
  subsumedBy?: string;
  /**
   * The netns the other end of the step's object is in, which the same undo
   * deletes later (`StepKind.peerNetns`: a veth whose peer was moved there):
   * when that deletion runs in the same batch, the step's own inverse is left
   * out and its object is looked for afterwards, then deleted if still there
   * (`peer_netns.ts`); it is recorded `subsumed` only once seen gone.
   */
  peerNetns?: string;
  /**
   * `true` when the journal records the step as done (verified); `false`
   * when only its intent is recorded (interrupted or failed), so that its
   * effect being absent is no surprise.
   */
  done?: boolean;
}

/** The outcome of reverting one step. */
export interface RevertOutcome {
  /** The step this is about. */
  item: RevertItem;
  /**
   * `reverted` by its inverse, found `already-gone`, `subsumed` (it goes
   * with an object deleted next: see {@link RevertItem.subsumedBy}),
   * `left-alone` (its object was replaced by another of the same name, which
   * is not nsrecipe's to touch), or `failed` (the step stays applied).
   */
  how: "reverted" | "already-gone" | "subsumed" | "left-alone" | "failed";
  /** For `failed`: the inverse command's stderr, or why the effect is still there; for `left-alone`: what was found. */
  error?: string;
  /**
   * For `subsumed`, when the object the step goes with ({@link RevertItem.subsumedBy}) is gone already (deleted
   * outside this undo, or by an undo cut short): how ({@link subsumerGone}); the step's effect went with it then.
   */
  wentWith?: string;
  /**
   * Why the journal could not record the outcome (e.g. the disk is full);
   * absent when recorded. Reverting is idempotent: a later undo finds it again.
   */
  unrecorded?: string;
}

/**
 * Appends a record if the journal lets it; a write failure is reported and
 * returned instead of thrown, so that reverting the host goes on.
 * @returns The failure's reason, or `undefined` when recorded.
 */
export async function tryAppend(deps: EngineDeps, body: RecordBody): Promise<string | undefined> {
  try {
    await deps.journal.append(body);
    return undefined;
  } catch (e) {
    if (!(e instanceof JournalWriteError)) throw e;
    deps.log(`  journal: could not record ${body.kind} of run '${body.run}': ${e.reason}`);
    return e.reason;
  }
}

/**
 * Reverts the given steps in the order given (callers pass newest first),
 * recording a `step-undone` or `step-undo-failed` record for each. Stops at
 * the first step it cannot revert: the steps before it in the plan stay
 * applied, so the host is left exactly as it was after that step (a state
 * the run passed through and verified), never a mix in which a later inverse
 * undermines an earlier one (e.g. the bridge deleted while the uplink's
 * default route could not come back). Undo, run again, resumes there. A
 * journal that cannot be written does not stop it (the outcome is then marked
 * unrecorded: reverting is idempotent, so a later undo finds the step gone).
 *
 * @param items Steps to revert.
 * @param deps Engine dependencies.
 * @param verb `rollback` or `undo`, for progress lines.
 * @param look A look at the host taken since its last change (undo's hazard
 *   check), to locate and check the steps with until the first inverse runs;
 *   default: a look of their own.
 * @returns One outcome per item attempted; the last is the failure when one stopped it.
 */
export async function revertItems(
  items: readonly RevertItem[],
  deps: EngineDeps,
  verb: "rollback" | "undo",
  look?: IpReader,
): Promise<RevertOutcome[]> {
  const outcomes: RevertOutcome[] = [];
  const followed = new Set<string>();
  let next = 0;
  let current = look;
  while (next < items.length) {
    const group = batchable(items, next);
    const got = group.length > 1
      ? await revertBatch(group, deps, verb, followed, current)
      : [await revertOne(items[next], deps, verb, followed, current)];
    // Only a subsumed step leaves the host as the look saw it.
    if (got.some((o) => o.how !== "subsumed")) current = undefined;
    next += got.length;
    for (const outcome of got) {
      outcomes.push(outcome);
      if (!(await record(outcome, deps, verb))) {
        const left = items.length - outcomes.length;
        if (left > 0) deps.log(`  ${verb}: stopped; ${left} older step(s) left applied until this one can be reverted`);
        return outcomes;
      }
    }
  }
  return outcomes;
}

/**
 * Reverts one step on its own: where its objects are and whether its effect
 * is already gone, then its inverse and the check that it took.
 */
async function revertOne(
  item: RevertItem,
  deps: EngineDeps,
  verb: "rollback" | "undo",
  followed: Set<string>,
  current?: IpReader,
): Promise<RevertOutcome> {
  const kind = kindOf(item.step);
  if (item.subsumedBy !== undefined) {
    try {
      await deps.fault("undo", item.index);
    } catch (e) {
      if (!(e instanceof InjectedFault)) throw e;
      return { item, how: "failed", error: e.message };
    }
    const wentWith = await subsumerGone(item, lookDeps(deps, current));
    return { item, how: "subsumed", ...(wentWith === undefined ? {} : { wentWith }) };
  }
  // What the inverse acts on: the step as journaled, or with the current names of objects renamed by hand.
  let acting: { step: Step; captured: Captured } = { step: item.step, captured: item.captured };
  try {
    // Where the step's objects are and whether its effect is already gone are read together, each read
    // once (nothing changes in between): the identity and the check often read the same link.
    const look = current ? lookDeps(deps, current) : memoDeps(deps);
    const { step, captured, replaced } = await follow(item, look, verb, followed);
    acting = { step, captured };
    if (await kind.isReverted(step, look.ctx, captured)) return { item, how: "already-gone" };
    if (replaced.length > 0) return { item, how: "left-alone", error: replaced.join("; ") };
    await deps.fault("undo", item.index);
    if (current && kind.beforeInverse && kind.inverse) {
      // What its revert does (its contract: `beforeInverse`, then the `inverse`'s commands), with the reads before the
      // first change through the look undo took while nothing changed (see revertBatch).
      await kind.beforeInverse(step, { ...deps.ctx, ip: new EmptyNetnsLook(deps.ctx.run, current) });
      for (const argv of kind.inverse(step, captured)) await deps.ctx.run(argv);
    } else await kind.revert(step, deps.ctx, captured);
    return await kind.isReverted(step, deps.ctx, captured)
      ? { item, how: "reverted" }
      : { item, how: "failed", error: "the inverse ran but the effect is still there" };
  } catch (e) {
    if (!(e instanceof CommandError) && !(e instanceof Deno.errors.NotFound) && !(e instanceof InjectedFault)) {
      throw e;
    }
    return !(e instanceof InjectedFault) && await goneMeanwhile(acting, deps)
      ? { item, how: "already-gone" }
      : { item, how: "failed", error: e instanceof CommandError ? saidBy(e.argv.join(" "), e.stderr) : e.message };
  }
}

/** The engine's deps with a runner that reads each thing once until the next change (`memoRunner`). */
function memoDeps(deps: EngineDeps): EngineDeps {
  const memo = memoRunner(deps.ctx.run);
  return { ...deps, ctx: { ...deps.ctx, run: memo, ip: new IpReader(memo) } };
}

/**
 * The engine's deps reading one look at the host until the next change: each
 * namespace's links and addresses in one process, whatever links the steps
 * ask about ({@link SnapshotIpReader}; or the one given, taken since the
 * host's last change), other reads once each.
 */
function lookDeps(deps: EngineDeps, look: IpReader = new SnapshotIpReader(deps.ctx.run)): EngineDeps {
  return { ...deps, ctx: { ...deps.ctx, run: memoRunner(deps.ctx.run), ip: look } };
}

/**
 * The consecutive steps from `from` on whose inverses are plain `ip`
 * commands that fit one batch (same namespace and family options; see
 * `ip_batch.ts`), as journaled, with the subsumed steps between them (they
 * run nothing: a veth's move into the netns between the bridge and the veth
 * it deletes). Pure.
 * @param items Steps to revert, in the order they are reverted.
 * @param from Where the batch starts.
 * @returns At least the step at `from`; never ending with a subsumed step.
 */
export function batchable(items: readonly RevertItem[], from: number): RevertItem[] {
  const key = batchKey(items[from]);
  if (key === undefined) return [items[from]];
  let end = from + 1;
  for (let next = end; next < items.length; next++) {
    if (items[next].subsumedBy !== undefined) continue;
    if (batchKey(items[next]) !== key) break;
    end = next + 1;
  }
  return items.slice(from, end);
}

/** The batch options an item's inverse needs, as one string; `undefined` when it cannot be batched. */
function batchKey(item: RevertItem): string | undefined {
  if (item.subsumedBy !== undefined) return undefined;
  const lines = kindOf(item.step).inverse?.(item.step, item.captured)?.map(batchLine);
  if (!lines || lines.length === 0 || lines.some((l) => l === undefined)) return undefined;
  const keys = new Set(lines.map((l) => l!.batch.join(" ")));
  return keys.size === 1 ? [...keys][0] : undefined;
}

/**
 * Reverts consecutive steps whose inverses fit one `ip -batch` (see
 * {@link batchable}), so that nothing slow sits between them (full-migrate's
 * switch back: the bridge's routes deleted, the uplink's added, the uplink
 * released, the bridge's addresses deleted). First, before anything changes,
 * every step's objects are located and its effect checked, sharing one look
 * at the host (one process for the links and addresses of a namespace); then
 * the fault hook's `undo` point of each step that needs its inverse or is
 * subsumed (a `fail` there cuts the batch before that step); then the
 * inverses run as one batch; then one look checks each: the batch's
 * namespace whole, read by the batch's last process after its lines (`ip
 * [-n NS] -json -details -batch -`, `withReads` in `ip_batch.ts`), or a
 * fresh one when those reads did not answer (a check that fails on the
 * batch's own look is looked at once more, afresh). iproute2 stops at the
 * first failing line and names it, so the steps before it are reverted and
 * the rest did not run (a failed inverse stops the batch before its reads).
 * A step's `beforeInverse` reads through the look it was located with, when
 * nothing changed since (`current`): a netns's processes read with its links
 * (`SnapshotIpReader.prefetchWithProcesses`), trusted when it found none,
 * read again afresh before acting on any ({@link EmptyNetnsLook}).
 *
 * @returns The outcomes of a prefix of `group`, in order: all of it, or up to
 *   and including a failed step, or up to a step that must be looked at again
 *   (the rest is left to the caller's next round).
 */
async function revertBatch(
  group: readonly RevertItem[],
  deps: EngineDeps,
  verb: "rollback" | "undo",
  followed: Set<string>,
  current?: IpReader,
): Promise<RevertOutcome[]> {
  const key = batchKey(group[0])!;
  // Without a look taken since the host's last change, one of the batch's namespace whole (links with addresses,
  // routes of both families, static neighbour entries) in one process: what locating and checking its steps reads.
  let fresh: SnapshotIpReader | undefined;
  if (!current) await (fresh = new SnapshotIpReader(deps.ctx.run)).prefetch(batchNetns(key));
  const look = lookDeps(deps, current ?? fresh);
  const out: RevertOutcome[] = [];
  const pending: { at: number; item: RevertItem; step: Step; captured: Captured; words: string[][] }[] = [];
  for (const item of group) {
    if (item.subsumedBy !== undefined) {
      const wentWith = await subsumerGone(item, look);
      out.push({ item, how: "subsumed", ...(wentWith === undefined ? {} : { wentWith }) });
      continue;
    }
    const kind = kindOf(item.step);
    let found: Awaited<ReturnType<typeof follow>>;
    let gone: boolean;
    try {
      found = await follow(item, look, verb, followed);
      gone = await kind.isReverted(found.step, look.ctx, found.captured);
    } catch (e) {
      if (!(e instanceof CommandError) && !(e instanceof Deno.errors.NotFound)) throw e;
      break; // looked at again on its own
    }
    const lines = kind.inverse!(found.step, found.captured).map(batchLine);
    if (gone) out.push({ item, how: "already-gone" });
    else if (found.replaced.length > 0) out.push({ item, how: "left-alone", error: found.replaced.join("; ") });
    else if (lines.some((l) => l === undefined || l.batch.join(" ") !== key)) break; // renamed out of the batch
    else {
      pending.push({
        at: out.length,
        item,
        step: found.step,
        captured: found.captured,
        words: lines.map((l) => l!.words),
      });
      out.push({ item, how: "reverted" });
    }
  }
  // A subsumed step is only recorded with the steps of the batch when a step after it is in the batch too.
  while (out.length > 0 && out.at(-1)!.how === "subsumed") out.pop();
  if (out.length === 0) return [await revertOne(group[0], deps, verb, followed, current)];
  // Each step's fault point (a subsumed one's too, as alone) comes before the batch: a `fail` cuts the batch there.
  let cut = out.length;
  for (const [at, o] of out.entries()) {
    if (o.how !== "reverted" && o.how !== "subsumed") continue;
    try {
      await deps.fault("undo", o.item.index);
    } catch (e) {
      if (!(e instanceof InjectedFault)) throw e;
      out[at] = { item: o.item, how: "failed", error: e.message };
      cut = at + 1;
      break;
    }
  }
  // What must be done before an inverse's commands (a netns emptied of its processes), for each step about to run; a
  // step for which it cannot be done fails, and the batch is cut after it.
  // It reads through the look undo took while nothing changed (a netns's processes read with its links), trusted when
  // it found none, else read again afresh before anything is done; a question asked again is read afresh (a poll).
  const beforeCtx = current ? { ...deps.ctx, ip: new EmptyNetnsLook(deps.ctx.run, current) } : deps.ctx;
  for (const p of pending) {
    const before = kindOf(p.step).beforeInverse;
    if (p.at >= cut || out[p.at].how !== "reverted" || !before) continue;
    try {
      await before(p.step, beforeCtx);
    } catch (e) {
      if (!(e instanceof CommandError)) throw e;
      out[p.at] = { item: p.item, how: "failed", error: e.stderr || e.message };
      cut = p.at + 1;
      break;
    }
  }
  const running = pending.filter((p) => p.at < cut && out[p.at].how === "reverted");
  if (running.length === 0) return out.slice(0, cut);
  // A veth whose peer is in a netns this batch deletes goes with it: its own line is left out (peer_netns.ts).
  const deferred = peerDeferrals(running.map((p) => ({ step: p.step, peerNetns: p.item.peerNetns })));
  // The batch's last line of each running step, counted from 1 (a deferred step has none: that of the step before).
  const lastLine: number[] = [];
  for (const [i, p] of running.entries()) {
    lastLine.push((lastLine[i - 1] ?? 0) + (deferred.has(i) ? 0 : p.words.length));
  }
  const lines = running.filter((_, i) => !deferred.has(i)).flatMap((p) => p.words.map((w) => w.join(" ")));
  // One process, its text written in whole lines of at most PIPE_BUF bytes (killed while writing, nsrecipe leaves
  // `ip` no line cut short); it also looks at the batch's namespace whole once its lines ran, for the checks below.
  let failedAt: number | undefined;
  let stderr = "";
  const after = new SnapshotIpReader(deps.ctx.run);
  let looked = false;
  // None when every step left is a veth deferred to its netns's deletion.
  if (lines.length > 0) {
    const reads = after.batchReads(batchNetns(key));
    const call = withReads(key, lines, reads.lines);
    try {
      const result = await deps.ctx.run(call.argv, { stdin: call.stdin, okCodes: [0, 1] });
      const failed = result.code === 0 ? undefined : failedLine(result.stderr) ?? 1;
      if (failed !== undefined && (call.reads === 0 || failed <= lines.length)) {
        failedAt = failed;
        stderr = result.stderr;
      } else {
        const answered = call.reads > 0 ? readAnswers(result.stdout, failed, lines.length, call.reads) : undefined;
        if (answered && answered.length === call.reads) {
          reads.accept(answered);
          looked = true;
        }
      }
    } catch (e) {
      if (!(e instanceof CommandError)) throw e;
      // Killed on its timeout (or not started): which of its lines ran is unknown. Its first step is looked at as a
      // failed line (its inverse found to have run, or failed with this message); the rest is left to the next round.
      failedAt = 1;
      stderr = e.stderr || e.message;
    }
  }
  // The batch's own look is of the instant its last line ran; an effect the kernel completes a moment later (a
  // namespace's links go asynchronously, K03) is looked at once more, afresh, before an inverse is called failed.
  const check = lookDeps(deps, looked ? after : undefined);
  let again: EngineDeps | undefined;
  const reverted = async (p: { step: Step; captured: Captured }) => {
    const kind = kindOf(p.step);
    if (await kind.isReverted(p.step, check.ctx, p.captured).catch(() => false)) return true;
    if (!looked) return false;
    again ??= lookDeps(deps);
    return await kind.isReverted(p.step, again.ctx, p.captured).catch(() => false);
  };
  for (const [i, p] of running.entries()) {
    const first = (lastLine[i - 1] ?? 0) + 1;
    const line = lastLine[i];
    const netns = deferred.get(i);
    if (netns !== undefined) {
      // Its netns was deleted when the batch ran past that step's line; if it did not, the host end is deleted.
      const deleted = failedAt === undefined || failedAt > lastLine[netns];
      out[p.at] = await settlePeer(p, deleted, looked ? after : undefined, deps, verb);
      if (out[p.at].how === "failed") return out.slice(0, p.at + 1);
    } else if (failedAt === undefined || line < failedAt) {
      if (!(await reverted(p))) {
        out[p.at] = { item: p.item, how: "failed", error: "the inverse ran but the effect is still there" };
        return out.slice(0, p.at + 1);
      }
    } else if (failedAt >= first) {
      // The line that failed: gone meanwhile (K03), or a real failure; the steps after it did not run.
      out[p.at] = await goneMeanwhile(p, check)
        ? { item: p.item, how: "already-gone" }
        : { item: p.item, how: "failed", error: saidBy(`${key} ${lines[failedAt - 1]}`, batchMessage(stderr)) };
      return out.slice(0, p.at + 1);
    }
  }
  return out.slice(0, cut);
}

/**
 * The outcome of a step whose inverse was left out of the batch that deleted
 * the netns its object's other end is in (`peer_netns.ts`): `subsumed` (it
 * went with that netns) when its object is seen gone within
 * `PEER_GONE_BOUND_MS`, looked for first in the batch's own look, then
 * afresh (the kernel destroys a namespace asynchronously), by the identity
 * its run recorded (`lookHostEnd`: renamed by someone else meanwhile, it is
 * followed, deleted under its new name if it stays). When it is still
 * there (something else holds the namespace alive, ip-netns(8), or the
 * other end was moved out of it by hand), or the batch
 * stopped before the netns's deletion, its own inverse runs as it would have
 * in the batch: `reverted`, `failed`, or gone meanwhile. So the host is
 * restored either way, and the step is recorded only once its object is gone.
 * @param p The step, with current names, and what it captured.
 * @param deleted Whether the batch deleted that netns.
 * @param look The batch's own look after its lines, when it answered.
 * @param deps Engine dependencies.
 * @param verb For the progress line.
 */
async function settlePeer(
  p: { item: RevertItem; step: Step; captured: Captured },
  deleted: boolean,
  look: IpReader | undefined,
  deps: EngineDeps,
  verb: "rollback" | "undo",
): Promise<RevertOutcome> {
  const kind = kindOf(p.step);
  const went: RevertOutcome = { item: { ...p.item, subsumedBy: p.item.peerNetns }, how: "subsumed" };
  let acting: { step: Step; captured: Captured } = p;
  if (deleted) {
    const { name: was } = identityKey(kind.object(p.step))!;
    const recorded = p.item.identities?.[kind.object(p.item.step)];
    const fresh = new IpReader(deps.ctx.run);
    let reader = look ?? fresh;
    // Followed by its identity: renamed by someone else while undo looks, it is still the run's link, not gone.
    let name = was;
    const wait = await awaitGone(async () => {
      const ip = reader;
      reader = fresh;
      try {
        const end = await lookHostEnd(ip, name, recorded);
        if (!end.gone) name = end.name;
        return end.gone;
      } catch (e) {
        if (e instanceof CommandError) return false; // not read: not known to be gone
        throw e;
      }
    });
    if (wait.gone) return went;
    if (name !== was) {
      deps.log(`  ${verb}: '${was}' was renamed to '${name}' (${describeIdentity(recorded!)}); following it`);
      acting = renamedStep(p.step, p.captured, (d) => d === was ? name : d);
    }
    const [type, ...ns] = p.item.peerNetns!.split(":");
    deps.log(
      `  ${verb}: '${name}' is still there ${Math.round(wait.waitedMs)} ms after ${type} '${ns.join(":")}' was ` +
        "deleted (something else holds that namespace alive, e.g. a bind mount or an open file, or its other end " +
        "is no longer in it); deleting it",
    );
  }
  const check = memoDeps(deps);
  try {
    for (const argv of kind.inverse!(acting.step, acting.captured)) await deps.ctx.run(argv);
  } catch (e) {
    if (!(e instanceof CommandError)) throw e;
    if (await goneMeanwhile(acting, check)) return deleted ? went : { item: p.item, how: "already-gone" };
    return { item: p.item, how: "failed", error: saidBy(e.argv.join(" "), e.stderr) };
  }
  return await goneMeanwhile(acting, memoDeps(deps))
    ? { item: p.item, how: "reverted" }
    : { item: p.item, how: "failed", error: "the inverse ran but the effect is still there" };
}

/**
 * Records one outcome (`step-undone`, or `step-undo-failed`), with the fault
 * hook's points before (`after-revert`) and after (`after-undo`) the record.
 * @returns `false` when the step failed, so reverting stops there.
 */
async function record(outcome: RevertOutcome, deps: EngineDeps, verb: "rollback" | "undo"): Promise<boolean> {
  const { item } = outcome;
  const summary = kindOf(item.step).summary(item.step);
  await deps.fault("after-revert", item.index);
  if (outcome.how === "failed") {
    deps.log(`  ${verb}: could not revert '${summary}': ${outcome.error}`);
    outcome.unrecorded = await tryAppend(deps, {
      kind: "step-undo-failed",
      run: item.run,
      index: item.index,
      error: outcome.error!,
    });
    await deps.fault("after-undo", item.index);
    return false;
  } else if (outcome.how === "left-alone") {
    deps.log(`  ${verb}: left alone: ${summary}: ${outcome.error}`);
    outcome.unrecorded = await tryAppend(deps, {
      kind: "step-undone",
      run: item.run,
      index: item.index,
      how: "already-gone",
      leftAlone: outcome.error,
    });
  } else if (outcome.how === "subsumed") {
    // A veth seen gone after its peer's netns was deleted (peer_netns.ts) went with it, and so did a step whose object
    // was gone already; the others go with what follows.
    const how = item.peerNetns === undefined && outcome.wentWith === undefined ? "goes with" : "went with";
    const peer = item.peerNetns !== undefined
      ? " (its other end was in it)"
      : outcome.wentWith !== undefined
      ? ` (${outcome.wentWith})`
      : "";
    deps.log(`  ${verb}: ${how} ${objectWords(item.subsumedBy!)}${peer}: ${summary}`);
    outcome.unrecorded = await tryAppend(deps, {
      kind: "step-undone",
      run: item.run,
      index: item.index,
      how: "subsumed",
    });
  } else {
    const how = outcome.how === "reverted"
      ? "reverted"
      : item.done === false
      ? "never took effect"
      : "already reverted (changed by hand?)";
    deps.log(`  ${verb}: ${how}: ${summary}`);
    outcome.unrecorded = await tryAppend(deps, {
      kind: "step-undone",
      run: item.run,
      index: item.index,
      how: outcome.how,
    });
  }
  await deps.fault("after-undo", item.index);
  return true;
}

/**
 * Finds the objects a step acts on by the identities its run recorded
 * ({@link whereNow}) and tells each rename once per revert: the step and its
 * captured state are returned with the current names, and an object
 * replaced by another of the same name is reported, so that the caller
 * leaves the step alone.
 *
 * @param item The step to revert.
 * @param deps Engine dependencies.
 * @param verb For the progress line.
 * @param followed Renames already told, as `old>new`; updated.
 * @returns The step and captured state to act on, and one phrase per replaced object.
 * @throws {CommandError} When `ip` fails.
 */
async function follow(
  item: RevertItem,
  deps: EngineDeps,
  verb: string,
  followed: Set<string>,
): Promise<{ step: Step; captured: Captured; replaced: string[] }> {
  const now = await whereNow(item, deps);
  for (const r of now.renamed) {
    if (followed.has(r.key)) continue;
    followed.add(r.key);
    deps.log(`  ${verb}: ${r.words}; following it`);
  }
  return { step: now.step, captured: now.captured, replaced: now.replaced };
}

/** A step as undo acts on it now ({@link whereNow}). */
export interface StepNow {
  /** The step under the objects' current names (as recorded when none was renamed). */
  step: Step;
  /** Its captured prior state, likewise. */
  captured: Captured;
  /** Each object renamed since: `key` (`link:br0>brX`, to tell each once) and `words` (`'br0' was renamed to 'brX' (…)`). */
  renamed: { key: string; words: string }[];
  /** One phrase per object replaced by another of its name, e.g. `'br0' is now another link (…), not the one run 'R' made (…)`. */
  replaced: string[];
  /** The object id of each of {@link StepNow.replaced}, in the same order, e.g. `link:br0`. */
  replacedKeys: string[];
}

/**
 * Where the objects of a step stand now, by the identities its run
 * recorded (`locate`: ifindex and namespace identity): a renamed one is
 * followed (the step and its captured state are given with the current
 * names), one replaced by another of the same name is reported (undo then
 * leaves the step alone). Objects without a recorded identity (journals of
 * earlier versions) are taken by name. Reads only; shared by undo
 * ({@link follow}) and its dry run (`undo_preview.ts`).
 * @param item The step.
 * @param deps Engine dependencies (its reader).
 * @returns The step as undo acts on it, and what changed.
 * @throws {CommandError} When `ip` fails.
 */
export async function whereNow(item: RevertItem, deps: EngineDeps): Promise<StepNow> {
  const recorded = item.identities ?? {};
  const keys = refsOf(item.step).filter((k) => recorded[k]);
  const same: StepNow = { step: item.step, captured: item.captured, renamed: [], replaced: [], replacedKeys: [] };
  if (keys.length === 0) return same;
  const where = await locate(deps.ctx.ip, keys, recorded);
  const renames = new Map<string, string>();
  const renamed: StepNow["renamed"] = [];
  const replaced: string[] = [];
  const replacedKeys: string[] = [];
  for (const [key, w] of where) {
    const { name } = identityKey(key)!;
    if (w.state === "renamed") {
      renames.set(name, w.name);
      renamed.push({
        key: `${key}>${w.name}`,
        words: `'${name}' was renamed to '${w.name}' (${describeIdentity(recorded[key])})`,
      });
    } else if (w.state === "replaced") {
      // The step that created the object made it; any other step (an address on it, a port enslaved to it, the uplink
      // moved) only knows the identity its run recorded: the run may have made the object in another step, or found
      // it (the host's own uplink, another run's bridge).
      const made = madeObject(item.step) === key;
      replaced.push(replacedWords(name, w.found, recorded[key], `run '${item.run}' ${made ? "made" : "recorded"}`));
      replacedKeys.push(key);
    }
  }
  if (renames.size === 0) return { ...same, replaced, replacedKeys };
  return { ...renamedStep(item.step, item.captured, (d) => renames.get(d) ?? d), renamed, replaced, replacedKeys };
}

/**
 * For a step whose effect goes with an object the same undo deletes
 * ({@link RevertItem.subsumedBy}): whether that object is gone already,
 * found by the identity its run recorded (`locate`): it was deleted (and
 * maybe another made under its name, which undo leaves alone), so the step's
 * effect went with it then, and this undo deletes nothing it goes with. An
 * object renamed since is still the one (undo follows it); one without a
 * recorded identity (a journal of an earlier version) is taken as there.
 * Who deleted it is not known: someone by hand, or an undo of the run cut
 * short after the deletion, before recording the steps that came later.
 * Reads only: the link from the reader's look, a namespace by stat(2) of its
 * `/run/netns` entry.
 * @param item The subsumed step.
 * @param deps Engine dependencies (their reader).
 * @returns `undefined` while the object is there; otherwise how it went: `gone already`, or `gone already; the one
 *   of that name now is another, left alone`.
 * @throws {CommandError} When `ip` fails.
 */
export async function subsumerGone(item: RevertItem, deps: EngineDeps): Promise<string | undefined> {
  const key = item.subsumedBy;
  if (key === undefined || !item.identities?.[key]) return undefined;
  const where = (await locate(deps.ctx.ip, [key], item.identities)).get(key);
  if (where?.state === "gone") return "gone already";
  if (where?.state === "replaced") return "gone already; the one of that name now is another, left alone";
  return undefined;
}

/**
 * An object id in words.
 * @param key e.g. `netns:web`.
 * @returns e.g. `netns 'web'`.
 */
export function objectWords(key: string): string {
  const [type, ...name] = key.split(":");
  return `${type} '${name.join(":")}'`;
}

/**
 * Whether the effect of a step whose inverse just failed is gone anyway: the
 * object vanished between the check and the inverse. The kernel deletes a
 * namespace's links asynchronously, so after `ip netns del` the host end of a
 * veth disappears "a moment later" and `ip link set dev veth-x down` may meet
 * `Cannot find device` (K03).
 */
async function goneMeanwhile(item: { step: Step; captured: Captured }, deps: EngineDeps): Promise<boolean> {
  try {
    return await kindOf(item.step).isReverted(item.step, deps.ctx, item.captured);
  } catch (e) {
    if (e instanceof CommandError || e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Ends reverting a run: writes its run-end record and throws when anything
 * could not be reverted or recorded.
 *
 * @param what `Rollback of run 'ID'` or `Undo of run 'ID' (NAME)`, for messages.
 * @param run The run id.
 * @param outcomes What reverting did.
 * @param done The run-end state when everything was reverted.
 * @param deps Engine dependencies.
 * @throws {UndoError} When a step could not be reverted (the run is left
 *   `incomplete`), or when the journal could not record what was done.
 */
export async function closeRun(
  what: string,
  run: string,
  outcomes: readonly RevertOutcome[],
  done: "rolled-back" | "undone",
  deps: EngineDeps,
): Promise<void> {
  const failed = outcomes.filter((o) => o.how === "failed");
  const endFailure = await tryAppend(deps, { kind: "run-end", run, state: failed.length ? "incomplete" : done });
  if (failed.length > 0) {
    throw new UndoError(
      `${what} could not revert ${failed.length} step(s)`,
      failed.map((o) => `${kindOf(o.item.step).summary(o.item.step)}: ${o.error}`),
      "Fix the cause shown, then run 'nsrecipe undo' again: it picks up where this one stopped ('nsrecipe status' shows what is left).",
    );
  }
  const leftAlone = outcomes.filter((o) => o.how === "left-alone");
  const unrecorded = outcomes.filter((o) => o.unrecorded !== undefined);
  const reason = endFailure ?? unrecorded[0]?.unrecorded;
  if (reason !== undefined) {
    throw new UndoError(
      `${what} reverted every step on the host, but the journal '${deps.journal.path}' could not record it (${reason})`,
      [
        ...unrecorded.map((o) => `not recorded: ${kindOf(o.item.step).summary(o.item.step)} ${o.how}`),
        ...(endFailure ? [`not recorded: the run's end (${done})`] : []),
      ],
      "Free space in the state directory, then run 'nsrecipe undo': it finds the steps already reverted and closes the run.",
    );
  }
  if (leftAlone.length > 0) {
    throw leftAloneError(
      `${what} reverted what was its own, but left alone ${leftAlone.length} step(s) whose object someone else ` +
        "made again under the same name",
      leftAlone.map((o) => `${kindOf(o.item.step).summary(o.item.step)}: ${o.error}`),
    );
  }
}

/**
 * The error of an undo that closed its run but left alone steps whose object
 * someone else made again under the same name ({@link closeRun}; `--dry-run
 * undo` foretells it in the same words, `dryRun`): exit 5, the host needs a
 * look, though nothing is left for `nsrecipe undo` to do.
 * @param message What happened, e.g. `Undo of run 'R' (web) reverted what was its own, but left alone 1 step(s) …`.
 * @param details One line per step: its summary, then why it was left alone
 *   (`'br0' is now another link (ifindex 6, MAC …), not the one run 'R' made (…)`).
 * @param dryRun Whether a dry run foretells it (the hint then speaks of what the undo will do).
 * @returns The error, to throw.
 */
export function leftAloneError(message: string, details: readonly string[], dryRun = false): LeftAloneError {
  return new LeftAloneError(message, [...details], leftAloneHint(dryRun));
}

/**
 * An undo that closed its run but left alone objects someone else made again
 * ({@link leftAloneError}): exit 5 like any {@link UndoError}, but nothing is
 * left for `nsrecipe undo` to do (`undo --all` says so rather than "run it again").
 */
export class LeftAloneError extends UndoError {}

/**
 * What to do about steps an undo left alone ({@link leftAloneError}).
 * @param dryRun Whether a dry run foretells them (then it speaks of what the undo will do).
 * @param runs Whether several runs left objects alone (`undo --all`).
 * @returns The hint, one sentence or two.
 */
export function leftAloneHint(dryRun: boolean, runs = false): string {
  return "nsrecipe touches only what it made: check these objects (who made them, what uses them) and remove them " +
    (dryRun
      ? `yourself if they are leftovers. The undo will close the run${runs ? "s" : ""} without touching them.`
      : `yourself if they are leftovers. The run${
        runs ? "s are" : " is"
      } closed; 'nsrecipe undo' will not touch them.`);
}

/**
 * Rolls back the steps a failed run touched and closes it.
 *
 * @param run The run id.
 * @param touched Steps with a write-ahead record, in plan order, with what they captured.
 * @param deps Engine dependencies.
 * @throws {UndoError} When a step could not be reverted (the run is left
 *   `incomplete`), or the journal could not record the rollback.
 */
export async function rollback(
  run: string,
  touched: readonly RevertItem[],
  deps: EngineDeps,
): Promise<void> {
  const outcomes = await revertItems([...touched].reverse(), deps, "rollback");
  await closeRun(`Rollback of run '${run}'`, run, outcomes, "rolled-back", deps);
}

/**
 * An inverse's failure as `run`'s failures say it (M4): the command, then
 * iproute2's own message, e.g. `'ip route del 198.51.100.0/24 dev eth0'
 * said: Error: Device for nexthop is not up.`; for a line of an `ip -batch`,
 * the line as the command it stands for.
 * @param command The command line that failed.
 * @param message Its stderr (empty: it failed without a word).
 */
function saidBy(command: string, message: string): string {
  return message ? `'${command}' said: ${message}` : `'${command}' failed`;
}
