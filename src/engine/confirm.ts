/**
 * Confirm or revert: a run applied with a confirmation window is undone by a
 * watchdog unless confirmed in time. The watchdog runs in its own session
 * (setsid(1)), so it survives the loss of the terminal or SSH session that
 * started the run; the journal on disk is its only input.
 *
 * @module
 */
import { noRunCalled, PreconditionError, UsageError } from "../errors.ts";
import { type ConfirmRefusal, isOpen, RECENT_WINDOW_MS, type RunView, type StopSignal } from "../journal/mod.ts";
import type { EngineDeps } from "./deps.ts";
import { loadRuns, type UndoReport, undoRun } from "./undo.ts";
import { tryAppend } from "./revert.ts";
import { clockTime, momentOf } from "../clock.ts";
import { endedHow } from "./run_ended.ts";

/**
 * What {@link confirmRun} did: `already` is `false` when it recorded the
 * confirmation now, `true` when the run had been confirmed before (its time:
 * `run.confirm.decidedAt`).
 */
export type ConfirmOutcome = { run: RunView; already: boolean };

export { RECENT_WINDOW_MS } from "../journal/mod.ts";

/**
 * Records the admin's confirmation of a run waiting for one. Confirming a run
 * already confirmed and still applied records nothing and says so; a closed
 * run (undone, rolled back, stale, reverted at its deadline) is never
 * confirmable, nor is a run applied without a window.
 *
 * @param selector Run id or label; `undefined` for the newest run still waiting (else the newest window, while its
 *   run is applied, or no run was made after it and it closed less than {@link RECENT_WINDOW_MS} before).
 * @param by Where the confirmation came from.
 * @param deps Engine dependencies (journal, log).
 * @param invokedAt When the admin asked (ms since the epoch): `nsrecipe confirm`'s start, or when `yes` was typed;
 *   the deadline is judged against it, not against when the lock was had (see `revertHeldUntil`). Recorded.
 * @returns The run, and when it had been confirmed before (`already`).
 * @throws {UsageError} When no run matches, or the run matched was applied
 *   without a confirmation window.
 * @throws {PreconditionError} When the run is closed (undone, rolled back,
 *   reverted at its deadline), or too late: the window passed and the run is
 *   being reverted.
 */
export async function confirmRun(
  selector: string | undefined,
  by: "tty" | "command",
  deps: Pick<EngineDeps, "journal">,
  invokedAt: number = Date.now(),
): Promise<ConfirmOutcome> {
  const outcome = confirmable(await loadRuns(deps), selector, invokedAt);
  if (!outcome.already) await deps.journal.append({ kind: "run-confirmed", run: outcome.run.id, by, invokedAt });
  return outcome;
}

/**
 * The run `confirm` would confirm, and whether it is confirmed already,
 * from the journal's runs (pure): what {@link confirmRun} records, and what
 * `confirm --dry-run` says it would, refusals included.
 *
 * @param runs Every run, oldest first.
 * @param selector Run id or label; `undefined` for the newest run still waiting (else the newest window, while its
 *   run is applied, or no run was made after it and it closed less than {@link RECENT_WINDOW_MS} before).
 * @param invokedAt When the admin asked, ms since the epoch (see {@link confirmRun}).
 * @returns The run, and whether it had been confirmed before (`already`).
 * @throws {UsageError} | {PreconditionError} As {@link confirmRun}.
 */
export function confirmable(
  runs: readonly RunView[],
  selector: string | undefined,
  invokedAt: number = Date.now(),
): ConfirmOutcome {
  const all = [...runs].reverse();
  const withWindow = all.filter((r) => r.confirm);
  const named = all.filter((r) => r.id === selector || r.label === selector);
  // By name: the newest run of that name that is still applied, else the newest of that name.
  // Without a name: the run waiting; else the newest window only while it concerns what is on the host now (its run
  // still applied, or no run made since): an old window closed long ago is not what a plain `confirm` asks about.
  // A closed one counts only while it closed recently (M6): "Too late" is news just after the deadline, not hours on.
  const last = withWindow[0];
  const recent = (r: RunView) =>
    isOpen(r) || (r === all[0] && r.endedAt !== undefined && invokedAt - Date.parse(r.endedAt) < RECENT_WINDOW_MS);
  const run = selector === undefined
    ? withWindow.find((r) => r.confirm?.state === "pending" && isOpen(r)) ?? (last && recent(last) ? last : undefined)
    : named.find((r) => r.confirm && isOpen(r)) ?? named.find(isOpen) ?? named[0];
  if (!run) {
    if (selector) throw noRunCalled(selector, "all");
    const before = last?.confirm
      ? ` (the last window was run '${last.id}' (${last.label})'s, due ${
        momentOf(last.confirm.deadline, invokedAt)
      }; that run was ${endedHow(last)})`
      : "";
    throw new UsageError(`No run waits for confirmation${before}`, "See 'nsrecipe status'.");
  }
  // A closed run is said to be, window or not: nothing of it is left to confirm.
  if (!isOpen(run)) {
    const due = run.confirm ? momentOf(run.confirm.deadline, invokedAt) : "";
    const when = run.endedAt ? ` at ${momentOf(Date.parse(run.endedAt), invokedAt)}` : "";
    throw new PreconditionError(
      run.confirm?.state === "expired" && run.confirm.how === "expired"
        ? `Too late: run '${run.id}' (${run.label}) was not confirmed by ${due} and has been reverted (journal: ${run.state})${
          when ? `,${when}` : ""
        }: nothing to confirm`
        : `Run '${run.id}' (${run.label}) was ${
          endedHow(run)
        }${when}: nothing to confirm, the change is no longer in place`,
      run.confirm
        ? "Check 'nsrecipe status', then run the recipe again (and confirm within its window) to have it back."
        : "Check 'nsrecipe status', then run the recipe again to have it back.",
    );
  }
  if (!run.confirm) {
    throw new UsageError(
      `Run '${run.id}' (${run.label}) was applied without a confirmation window: nothing to confirm`,
      "It stays until 'nsrecipe undo'; see 'nsrecipe status'.",
    );
  }
  const due = momentOf(run.confirm.deadline, invokedAt);
  if (run.confirm.state === "confirmed") return { run, already: true };
  if (run.confirm.state === "expired" && run.state === "incomplete") {
    throw new PreconditionError(
      `Too late: run '${run.id}' (${run.label}) was not confirmed by ${due}, and its automatic undo could not complete; the change is still in place, NOT reverted`,
      "See 'nsrecipe status', fix what blocks it, then 'nsrecipe undo " + run.id + "'.",
    );
  }
  if (run.confirm.state === "expired" || invokedAt > run.confirm.deadline) {
    const asked = invokedAt > run.confirm.deadline
      ? ` (this confirm was started at ${clockTime(invokedAt)}, after it)`
      : ` (this confirm was started at ${clockTime(invokedAt)}, but came up only after the revert had begun)`;
    throw new PreconditionError(
      `Too late: run '${run.id}' (${run.label}) was not confirmed by ${due}${asked}; it is still applied, and its revert is due (the watchdog, pid ${run.confirm.watchdogPid}, or the next nsrecipe command undoes it)`,
      `Run 'nsrecipe undo ${run.id}' to revert it now, then run the recipe again and confirm within the window.`,
    );
  }
  return { run, already: false };
}

/**
 * The watchdog's decision at the deadline: undo the run unless it was
 * confirmed or is already closed.
 *
 * @param runId The run.
 * @param deps Engine dependencies.
 * @param how Why it is undone, recorded in its `confirm-expired` record: the deadline (default), or the prompt refused.
 * @param signal For `prompt-interrupt`: the signal that ended the prompt, recorded with it.
 * @returns `kept` (confirmed), `closed` (already undone), or the undo report.
 * @throws {UndoError} When the revert could not complete.
 */
export async function expireRun(
  runId: string,
  deps: EngineDeps,
  how: ConfirmRefusal = "deadline",
  signal?: StopSignal,
): Promise<"kept" | "closed" | UndoReport> {
  const runs = await loadRuns(deps);
  const run = runs.find((r) => r.id === runId);
  if (!run || !isOpen(run)) return "closed";
  if (run.confirm?.state === "confirmed") return "kept";
  // The revert of an unconfirmed change matters more than its record: a journal that cannot take this
  // record (a full disk) does not stop it (tryAppend reports it; undo is idempotent).
  if (run.confirm?.state !== "expired") {
    await tryAppend(deps, {
      kind: "confirm-expired",
      run: runId,
      ...(how === "deadline" ? {} : { how }),
      ...(signal === undefined ? {} : { signal }),
    });
  }
  return await undoRun(run, runs, deps);
}
