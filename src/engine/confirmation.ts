/**
 * Where a run's confirmation window stands, read from its journal view: one
 * pure function shared by the waiting prompt, `status`, `confirm` and the
 * next command that finds a deadline nobody acted on.
 *
 * @module
 */
import { appliedIndexes, type ConfirmIntent, isOpen, type RunView } from "../journal/mod.ts";
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

/**
 * What the watchdog does next (see {@link watchdogDecision}):
 * - `done`: nothing to guard (no such run, closed, or confirmed);
 * - `wait`: sleep until `until` (ms since the epoch): the deadline `run` announced, the start-up grace after it,
 *   or the next look while a confirm started by the deadline is on its way (see {@link revertHeldUntil});
 * - `settle`: the window is not recorded yet (the switch is still under way): wait for the lock, then decide again;
 * - `revert`: the deadline passed unconfirmed, or the switch ended without opening its window.
 */
export type WatchdogDecision =
  | { kind: "done" }
  | { kind: "wait"; until: number }
  | { kind: "settle" }
  | { kind: "revert" };

/**
 * The watchdog's decision about its run, from the journal (pure). The
 * window starts when the switch is complete and announced: until `run` has
 * recorded the deadline (its `confirm-wait` record, written after the last
 * step under the lock), the watchdog does not revert a run whose switch is
 * under way, however long it takes; once it holds the lock itself, a run
 * with no recorded window was cut short (nsrecipe killed, or the window
 * could not be recorded) and is reverted.
 *
 * @param run The run, from the journal; `undefined` when it has no record.
 * @param now The current time, ms since the epoch.
 * @param locked Whether the journal was read under the lock.
 * @param intents The confirms on their way (live processes; see {@link revertHeldUntil}).
 * @returns The decision.
 */
export function watchdogDecision(
  run: RunView | undefined,
  now: number,
  locked: boolean,
  intents: readonly ConfirmIntent[] = [],
): WatchdogDecision {
  if (!run || !isOpen(run) || run.confirm?.state === "confirmed") return { kind: "done" };
  if (!run.confirm) return locked ? { kind: "revert" } : { kind: "settle" };
  const held = revertHeldUntil(run, now, intents);
  return held === undefined ? { kind: "revert" } : { kind: "wait", until: held };
}

/**
 * How long after a window's deadline its revert waits for a `nsrecipe
 * confirm` started by the deadline to come up and record its intent (Deno's
 * start-up on a loaded host: about a second at a load of 30 on 2 cores), in
 * ms. A confirm started after the deadline is too late whenever it arrives.
 */
export const CONFIRM_STARTUP_GRACE_MS = 3_000;

/**
 * How long after a window's deadline a live confirm started by the deadline
 * (its intent recorded, see src/journal/confirm_intents.ts) holds the revert
 * back while it waits for the lock, in ms: a confirm stuck longer (stopped,
 * hung) does not void the window.
 */
export const CONFIRM_INTENT_HOLD_MS = 60_000;

/** How often a revert held back by a confirm on its way looks again, in ms. */
export const CONFIRM_INTENT_POLL_MS = 250;

/**
 * Until when the revert of a run's window is held back (pure): while the
 * deadline has not passed; then for {@link CONFIRM_STARTUP_GRACE_MS} (a
 * confirm started by the deadline may still be starting up); then while a
 * live confirm started by the deadline is on its way (`intents`), at most
 * until {@link CONFIRM_INTENT_HOLD_MS} past the deadline. The admin's intent
 * counts from when they ran `nsrecipe confirm` (`invokedAt`), and
 * `confirm` accepts exactly those started by the deadline
 * (`confirmable`): both decide under the journal's lock, so exactly one of
 * them records the outcome.
 *
 * @param run The run (its window pending; a revert already begun, `confirm-expired`, is never held).
 * @param now The current time, ms since the epoch.
 * @param intents The confirms on their way (live processes only).
 * @returns When to look again (ms since the epoch), or `undefined` when the revert is due now.
 */
export function revertHeldUntil(run: RunView, now: number, intents: readonly ConfirmIntent[]): number | undefined {
  if (run.confirm?.state !== "pending") return undefined;
  const { deadline } = run.confirm;
  if (now < deadline) return deadline;
  if (now < deadline + CONFIRM_STARTUP_GRACE_MS) return deadline + CONFIRM_STARTUP_GRACE_MS;
  const holdEnd = deadline + CONFIRM_INTENT_HOLD_MS;
  if (now < holdEnd && intents.some((i) => i.invokedAt <= deadline)) {
    return Math.min(holdEnd, now + CONFIRM_INTENT_POLL_MS);
  }
  return undefined;
}
