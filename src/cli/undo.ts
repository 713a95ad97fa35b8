import { loadRuns, selectRuns, type UndoReport, undoRun } from "../engine/mod.ts";
import { assertRoot, engineDeps, type GlobalOptions, runnerFor, withJournal } from "./context.ts";
import type { Output } from "./output.ts";
import { assertPrograms, BASE_PROGRAMS, programsFor } from "./preflight.ts";

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
  const run = runnerFor(out);
  await assertPrograms(run, BASE_PROGRAMS);
  await withJournal(g, out, async (journal) => {
    const deps = await engineDeps(journal, run, out);
    let runs = await loadRuns(deps);
    const targets = selectRuns(runs, selector);
    if (targets.length === 0) {
      out.data({ undone: [] });
      out.result("Nothing to undo.");
      return;
    }
    await assertPrograms(run, programsFor(targets.flatMap((t) => t.steps)));
    if (g.dryRun) {
      out.data({ dryRun: true, wouldUndo: targets.map((t) => ({ run: t.id, label: t.label, recipe: t.recipe })) });
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
      const reverted = r.outcomes.filter((o) => o.how === "reverted").length;
      const gone = r.outcomes.filter((o) => o.how === "already-gone").length;
      out.result(
        r.result === "stale"
          ? `Closed ${r.run} (${r.label}): it is from before a reboot, its objects are gone; nothing was touched`
          : `Undone ${r.run} (${r.label}): ${reverted} step(s) reverted` +
            (gone ? `, ${gone} found already reverted (changed by hand?)` : "") +
            (r.handedOver.length ? `, ${r.handedOver.length} kept for later runs` : ""),
      );
    }
  });
}
