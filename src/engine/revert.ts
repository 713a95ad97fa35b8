/**
 * Reverting steps, newest first, shared by rollback (after a failed step) and
 * undo. Idempotent: a step whose effect is already gone is recorded as
 * `already-gone`, so reverting can be repeated after a crash.
 *
 * @module
 */
import { CommandError, UndoError } from "../errors.ts";
import { JournalWriteError, type RecordBody } from "../journal/mod.ts";
import { describeIdentity, type Identities, identityKey, IpReader, locate, memoRunner } from "../host/mod.ts";
import { type Captured, kindOf, refsOf, renamedStep, type Step } from "../steps/mod.ts";
import type { EngineDeps } from "./deps.ts";
import { InjectedFault } from "./faults.ts";

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
   * `reverted` by its inverse, found `already-gone`, `left-alone` (its
   * object was replaced by another of the same name, which is not nsrecipe's
   * to touch), or `failed` (the step stays applied).
   */
  how: "reverted" | "already-gone" | "left-alone" | "failed";
  /** For `failed`: the inverse command's stderr, or why the effect is still there; for `left-alone`: what was found. */
  error?: string;
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
 * @returns One outcome per item attempted; the last is the failure when one stopped it.
 */
export async function revertItems(
  items: readonly RevertItem[],
  deps: EngineDeps,
  verb: "rollback" | "undo",
): Promise<RevertOutcome[]> {
  const outcomes: RevertOutcome[] = [];
  const followed = new Set<string>();
  for (const item of items) {
    const kind = kindOf(item.step);
    const summary = kind.summary(item.step);
    let outcome: RevertOutcome;
    // What the inverse acts on: the step as journaled, or with the current names of objects renamed by hand.
    let acting: { step: Step; captured: Captured } = { step: item.step, captured: item.captured };
    try {
      // Where the step's objects are and whether its effect is already gone are read together, each read
      // once (nothing changes in between): the identity and the check often read the same link.
      const memo = memoRunner(deps.ctx.run);
      const look: EngineDeps = { ...deps, ctx: { ...deps.ctx, run: memo, ip: new IpReader(memo) } };
      const { step, captured, replaced } = await follow(item, look, verb, followed);
      acting = { step, captured };
      if (await kind.isReverted(step, look.ctx, captured)) {
        outcome = { item, how: "already-gone" };
      } else if (replaced.length > 0) {
        outcome = { item, how: "left-alone", error: replaced.join("; ") };
      } else {
        await deps.fault("undo", item.index);
        await kind.revert(step, deps.ctx, captured);
        outcome = await kind.isReverted(step, deps.ctx, captured)
          ? { item, how: "reverted" }
          : { item, how: "failed", error: "the inverse ran but the effect is still there" };
      }
    } catch (e) {
      if (!(e instanceof CommandError) && !(e instanceof Deno.errors.NotFound) && !(e instanceof InjectedFault)) {
        throw e;
      }
      outcome = !(e instanceof InjectedFault) && await goneMeanwhile(acting, deps)
        ? { item, how: "already-gone" }
        : { item, how: "failed", error: e instanceof CommandError ? e.stderr || e.message : e.message };
    }
    await deps.fault("after-revert", item.index);
    outcomes.push(outcome);
    if (outcome.how === "failed") {
      deps.log(`  ${verb}: could not revert '${summary}': ${outcome.error}`);
      outcome.unrecorded = await tryAppend(deps, {
        kind: "step-undo-failed",
        run: item.run,
        index: item.index,
        error: outcome.error!,
      });
      await deps.fault("after-undo", item.index);
      const left = items.length - outcomes.length;
      if (left > 0) deps.log(`  ${verb}: stopped; ${left} older step(s) left applied until this one can be reverted`);
      break;
    } else if (outcome.how === "left-alone") {
      deps.log(`  ${verb}: left alone: ${summary}: ${outcome.error}`);
      outcome.unrecorded = await tryAppend(deps, {
        kind: "step-undone",
        run: item.run,
        index: item.index,
        how: "already-gone",
        leftAlone: outcome.error,
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
  }
  return outcomes;
}

/**
 * Finds the objects a step acts on by the identities its run recorded: a
 * renamed object is followed (the step and its captured state are returned
 * with the current names, and the rename is told once per revert), and an
 * object replaced by another of the same name is reported, so that the caller
 * leaves the step alone. Objects without a recorded identity (journals of
 * earlier versions) are taken by name.
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
  const recorded = item.identities ?? {};
  const keys = refsOf(item.step).filter((k) => recorded[k]);
  if (keys.length === 0) return { step: item.step, captured: item.captured, replaced: [] };
  const where = await locate(deps.ctx.ip, keys, recorded);
  const renames = new Map<string, string>();
  const replaced: string[] = [];
  for (const [key, w] of where) {
    const { type, name } = identityKey(key)!;
    if (w.state === "renamed") {
      renames.set(name, w.name);
      if (!followed.has(`${key}>${w.name}`)) {
        followed.add(`${key}>${w.name}`);
        deps.log(
          `  ${verb}: '${name}' was renamed to '${w.name}' (${describeIdentity(recorded[key])}); following it`,
        );
      }
    } else if (w.state === "replaced") {
      replaced.push(
        `'${name}' is now another ${type === "netns" ? "network namespace" : "link"} (${
          describeIdentity(w.found)
        }), not the one run '${item.run}' made (${describeIdentity(recorded[key])})`,
      );
    }
  }
  if (renames.size === 0) return { step: item.step, captured: item.captured, replaced };
  return { ...renamedStep(item.step, item.captured, (d) => renames.get(d) ?? d), replaced };
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
    throw new UndoError(
      `${what} reverted what was its own, but left alone ${leftAlone.length} step(s) whose object someone else ` +
        "made again under the same name",
      leftAlone.map((o) => `${kindOf(o.item.step).summary(o.item.step)}: ${o.error}`),
      "nsrecipe touches only what it made: check these objects (who made them, what uses them) and remove them " +
        "yourself if they are leftovers. The run is closed; 'nsrecipe undo' will not touch them.",
    );
  }
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
