import { loadRuns, selectRuns, type UndoReport, undoRun } from "../engine/mod.ts";
import { Journal } from "../journal/mod.ts";
import { assertRoot, engineDeps, type GlobalOptions, runnerFor } from "./context.ts";
import type { Output } from "./output.ts";

/**
 * `nsrecipe undo [ID|NAME | --all]`: reverts the newest applied run, a chosen
 * one, or all of them newest first. Nothing to undo is not an error.
 *
 * @param selector Run id or name, `"--all"`, or `undefined` for the newest.
 * @param g Global options.
 * @param out The output.
 * @throws {UsageError} When the selector names no run.
 * @throws {PreconditionError} When the journal cannot be read safely.
 * @throws {UndoError} When a step could not be reverted.
 */
export async function undoCommand(selector: string | undefined, g: GlobalOptions, out: Output): Promise<void> {
  if (!g.dryRun) assertRoot();
  const journal = await Journal.open(g.stateDir, (l) => out.progress(l));
  try {
    if (journal.repaired) out.progress(out.paint("yellow", journal.repaired));
    const deps = await engineDeps(journal, runnerFor(out), out);
    let runs = await loadRuns(deps);
    const targets = selectRuns(runs, selector);
    if (targets.length === 0) {
      out.data({ undone: [] });
      out.result("Nothing to undo.");
      return;
    }
    if (g.dryRun) {
      out.result(`Dry run: would undo ${targets.map((t) => `${t.id} (${t.label})`).join(", ")}`);
      return;
    }
    const reports: UndoReport[] = [];
    for (const t of targets) {
      out.progress(`Undoing run ${t.id} (${t.recipe} ${t.label})`);
      reports.push(await undoRun(runs.find((r) => r.id === t.id)!, runs, deps));
      runs = await loadRuns(deps);
    }
    out.data({
      undone: reports.map((r) => ({
        run: r.run,
        label: r.label,
        result: r.result,
        steps: r.outcomes.map((o) => ({ index: o.item.index, run: o.item.run, how: o.how })),
        handedOver: r.handedOver,
      })),
    });
    for (const r of reports) {
      const gone = r.outcomes.filter((o) => o.how === "already-gone").length;
      out.result(
        `Undone ${r.run} (${r.label}): ${r.outcomes.length} step(s) reverted` +
          (gone ? `, ${gone} of them found already reverted` : "") +
          (r.handedOver.length ? `, ${r.handedOver.length} kept for later runs` : "") +
          (r.result === "stale" ? " (from before a reboot: nothing to do)" : ""),
      );
    }
  } finally {
    journal.close();
  }
}
