/**
 * Where a run's confirmation window stands, read from its journal view: one
 * pure function shared by the waiting prompt, `status`, `confirm` and the
 * next command that finds a deadline nobody acted on.
 *
 * @module
 */
import { appliedIndexes, isOpen, type RunView } from "../journal/mod.ts";
import { kindOf } from "../steps/mod.ts";

/**
 * Where a run's confirmation stands, as the journal tells it:
 * - `pending`: waiting; unless confirmed by `deadline` (ms since the epoch) it is undone;
 * - `confirmed`: kept;
 * - `reverting`: the window passed and the revert has begun (or was cut short: the next undo resumes it);
 * - `reverted`: the run is closed (`state`: `undone`, `rolled-back`, `stale`);
 * - `not-reverted`: the window passed but the revert could not complete; `why` lists what failed;
 * - `none`: no such run, or it was applied without a window.
 */
export type ConfirmationState =
  | { kind: "pending"; deadline: number }
  | { kind: "confirmed" }
  | { kind: "reverting"; deadline: number }
  | { kind: "reverted"; state: RunView["state"] }
  | { kind: "not-reverted"; deadline: number; why: string }
  | { kind: "none" };

/**
 * Reads a run's confirmation state from its journal view (pure).
 *
 * @param run The run, or `undefined` when the journal has no such run.
 * @returns The state; see {@link ConfirmationState}.
 */
export function confirmationState(run: RunView | undefined): ConfirmationState {
  if (!run?.confirm) return { kind: "none" };
  const { deadline, state } = run.confirm;
  if (state === "confirmed") return { kind: "confirmed" };
  if (!isOpen(run)) return { kind: "reverted", state: run.state };
  if (state === "pending") return { kind: "pending", deadline };
  if (run.state !== "incomplete") return { kind: "reverting", deadline };
  const why = appliedIndexes(run)
    .filter((i) => run.stepStates[i] === "undo-failed")
    .map((i) => `${kindOf(run.steps[i]).summary(run.steps[i])}: ${run.errors[i]}`);
  return { kind: "not-reverted", deadline, why: why.join("; ") || "its undo stopped before the end" };
}
