import { expireRun } from "../engine/mod.ts";
import { foldRuns, JOURNAL_FILE, parseJournal } from "../journal/mod.ts";
import { engineDeps, type GlobalOptions, runnerFor, withJournal } from "./composition_root.ts";
import type { Output } from "./output.ts";

/**
 * The watchdog: started by `run --confirm` in its own session (setsid(1)),
 * sleeps until the deadline, then undoes the run unless it was confirmed.
 * Its only input is the journal on disk.
 *
 * @param runId The run.
 * @param deadline Milliseconds since the epoch.
 * @param g Global options (the state directory).
 * @param out The output (stdio is closed when detached).
 * @returns Exit code 0, or the undo error's code.
 * @throws {UndoError} When the revert could not complete.
 */
export async function watchdogCommand(runId: string, deadline: number, g: GlobalOptions, out: Output): Promise<number> {
  // Started before the run's first step with a provisional deadline; `run` records the real one (counted
  // from the end of the switch) in its confirm-wait record, which may be later.
  for (;;) {
    const wait = deadline - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const text = await Deno.readTextFile(`${g.stateDir}/${JOURNAL_FILE}`).catch(() => "");
    const recorded = foldRuns(parseJournal(text)).runs.find((r) => r.id === runId)?.confirm?.deadline;
    if (recorded === undefined || recorded <= deadline) break;
    deadline = recorded;
  }
  return await withJournal(g, out, async (journal) => {
    const result = await expireRun(runId, await engineDeps(journal, runnerFor(out), out));
    out.progress(typeof result === "string" ? `Run ${runId}: ${result}` : `Run ${runId} was not confirmed: undone`);
    return 0;
  });
}
