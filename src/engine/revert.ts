/**
 * Reverting steps, newest first, shared by rollback (after a failed step) and
 * undo. Idempotent: a step whose effect is already gone is recorded as
 * `already-gone`, so reverting can be repeated after a crash.
 *
 * @module
 */
import { CommandError, UndoError } from "../errors.ts";
import { type Captured, kindOf, type Step } from "../steps/mod.ts";
import type { EngineDeps } from "./apply.ts";

/** A step to revert, with its journal identity and captured prior state. */
export interface RevertItem {
  run: string;
  index: number;
  step: Step;
  captured?: Captured;
}

/** The outcome of reverting one step. */
export interface RevertOutcome {
  item: RevertItem;
  how: "reverted" | "already-gone" | "failed";
  error?: string;
}

/**
 * Reverts the given steps in the order given (callers pass newest first),
 * recording a `step-undone` or `step-undo-failed` record for each. Goes on
 * past failures so that as much as possible is reverted.
 *
 * @param items Steps to revert.
 * @param deps Engine dependencies.
 * @param verb `rollback` or `undo`, for progress lines.
 * @returns One outcome per item.
 */
export async function revertItems(
  items: readonly RevertItem[],
  deps: EngineDeps,
  verb: "rollback" | "undo",
): Promise<RevertOutcome[]> {
  const outcomes: RevertOutcome[] = [];
  for (const item of items) {
    const kind = kindOf(item.step);
    const summary = kind.summary(item.step);
    let outcome: RevertOutcome;
    try {
      if (await kind.isReverted(item.step, deps.ctx, item.captured)) {
        outcome = { item, how: "already-gone" };
      } else {
        await kind.revert(item.step, deps.ctx, item.captured);
        outcome = await kind.isReverted(item.step, deps.ctx, item.captured)
          ? { item, how: "reverted" }
          : { item, how: "failed", error: "the inverse ran but the effect is still there" };
      }
    } catch (e) {
      if (!(e instanceof CommandError) && !(e instanceof Deno.errors.NotFound)) throw e;
      outcome = { item, how: "failed", error: e instanceof CommandError ? e.stderr || e.message : e.message };
    }
    outcomes.push(outcome);
    if (outcome.how === "failed") {
      deps.log(`  ${verb}: could not revert '${summary}': ${outcome.error}`);
      await deps.journal.append({ kind: "step-undo-failed", run: item.run, index: item.index, error: outcome.error! });
    } else {
      deps.log(`  ${verb}: ${outcome.how === "reverted" ? "reverted" : "already gone"}: ${summary}`);
      await deps.journal.append({ kind: "step-undone", run: item.run, index: item.index, how: outcome.how });
    }
    await deps.fault("after-undo", item.index);
  }
  return outcomes;
}

/**
 * Rolls back the steps a failed run touched and closes it.
 *
 * @param run The run id.
 * @param touched Steps with a write-ahead record, in plan order, with what they captured.
 * @param deps Engine dependencies.
 * @throws {UndoError} When a step could not be reverted (the run is left `incomplete`).
 */
export async function rollback(run: string, touched: readonly RevertItem[], deps: EngineDeps): Promise<void> {
  const outcomes = await revertItems([...touched].reverse(), deps, "rollback");
  const failed = outcomes.filter((o) => o.how === "failed");
  if (failed.length > 0) {
    await deps.journal.append({ kind: "run-end", run, state: "incomplete" });
    throw new UndoError(
      `Rollback of run '${run}' could not revert ${failed.length} step(s)`,
      failed.map((o) => `${kindOf(o.item.step).summary(o.item.step)}: ${o.error}`),
      "See 'nsrecipe status'; fix the cause and run 'nsrecipe undo' to finish.",
    );
  }
  await deps.journal.append({ kind: "run-end", run, state: "rolled-back" });
}
