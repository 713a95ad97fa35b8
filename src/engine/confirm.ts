/**
 * Confirm or revert: a run applied with a confirmation window is undone by a
 * watchdog unless confirmed in time. The watchdog runs in its own session
 * (setsid(1)), so it survives the loss of the terminal or SSH session that
 * started the run; the journal on disk is its only input.
 *
 * @module
 */
import { PreconditionError, UsageError } from "../errors.ts";
import { quote } from "../quote.ts";
import { isOpen, type RunView } from "../journal/mod.ts";
import type { EngineDeps } from "./deps.ts";
import { loadRuns, type UndoReport, undoRun } from "./undo.ts";
import { tryAppend } from "./revert.ts";

/**
 * Records the admin's confirmation of a run waiting for one.
 *
 * @param selector Run id or label; `undefined` for the newest run still waiting.
 * @param by Where the confirmation came from.
 * @param deps Engine dependencies (journal, log).
 * @returns The confirmed run.
 * @throws {UsageError} When no run matches or waits for confirmation.
 * @throws {PreconditionError} When it is too late: the window passed and the
 *   run was (or is being) reverted.
 */
export async function confirmRun(
  selector: string | undefined,
  by: "tty" | "command",
  deps: Pick<EngineDeps, "journal">,
): Promise<RunView> {
  const runs = (await loadRuns(deps)).filter((r) => r.confirm).reverse();
  const run = selector === undefined
    ? runs.find((r) => r.confirm?.state === "pending" && isOpen(r)) ?? runs[0]
    : runs.find((r) => r.id === selector || r.label === selector);
  if (!run || !run.confirm) {
    throw new UsageError(
      selector ? `No run called ${quote(selector)} waits for confirmation` : "No run waits for confirmation",
      "See 'nsrecipe status'.",
    );
  }
  if (run.confirm.state === "confirmed") return run;
  const due = new Date(run.confirm.deadline).toISOString();
  if (!isOpen(run)) {
    throw new PreconditionError(
      `Too late: run '${run.id}' (${run.label}) was not confirmed by ${due} and has been reverted (journal: ${run.state})`,
      "Check 'nsrecipe status', then run the recipe again and confirm within the window.",
    );
  }
  if (run.confirm.state === "expired" && run.state === "incomplete") {
    throw new PreconditionError(
      `Too late: run '${run.id}' (${run.label}) was not confirmed by ${due}, and its automatic undo could not complete; the change is still in place, NOT reverted`,
      "See 'nsrecipe status', fix what blocks it, then 'nsrecipe undo " + run.id + "'.",
    );
  }
  if (run.confirm.state === "expired" || Date.now() > run.confirm.deadline) {
    throw new PreconditionError(
      `Too late: run '${run.id}' (${run.label}) was not confirmed by ${due}; it is still applied, and its revert is due (the watchdog, pid ${run.confirm.watchdogPid}, or the next nsrecipe command undoes it)`,
      `Run 'nsrecipe undo ${run.id}' to revert it now, then run the recipe again and confirm within the window.`,
    );
  }
  await deps.journal.append({ kind: "run-confirmed", run: run.id, by });
  return run;
}

/**
 * The watchdog's decision at the deadline: undo the run unless it was
 * confirmed or is already closed.
 *
 * @param runId The run.
 * @param deps Engine dependencies.
 * @returns `kept` (confirmed), `closed` (already undone), or the undo report.
 * @throws {UndoError} When the revert could not complete.
 */
export async function expireRun(runId: string, deps: EngineDeps): Promise<"kept" | "closed" | UndoReport> {
  const runs = await loadRuns(deps);
  const run = runs.find((r) => r.id === runId);
  if (!run || !isOpen(run)) return "closed";
  if (run.confirm?.state === "confirmed") return "kept";
  // The revert of an unconfirmed change matters more than its record: a journal that cannot take this
  // record (a full disk) does not stop it (tryAppend reports it; undo is idempotent).
  if (run.confirm?.state !== "expired") await tryAppend(deps, { kind: "confirm-expired", run: runId });
  return await undoRun(run, runs, deps);
}
