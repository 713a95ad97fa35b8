import { appliedIndexes, foldRuns, isOpen, type JournalProblem, type RunView } from "../journal/mod.ts";
import { kindOf, type StepContext } from "../steps/mod.ts";
import { bootId, type GlobalOptions, runnerFor, stepContext, withJournal } from "./context.ts";
import type { Output } from "./output.ts";

/** One applied run as `status` reports it. */
export interface RunStatus {
  id: string;
  recipe: string;
  label: string;
  state: string;
  startedAt: string;
  owns: string[];
  uses: string[];
  /** Done steps whose effect is no longer on the host (deleted or changed by hand…). */
  drift: string[];
  /**
   * Things to know besides drift: the run was interrupted (killed while
   * applying), is from before a reboot, has steps whose undo failed, or has
   * journal records undo will not act on.
   */
  notes: string[];
}

/**
 * Checks each applied step of a run against the host.
 * @param r The run.
 * @param ctx Step context.
 * @param currentBootId This boot's id: a run from another boot is only noted, not checked.
 * @returns The run's status.
 */
export async function runStatus(r: RunView, ctx: StepContext, currentBootId?: string): Promise<RunStatus> {
  const drift: string[] = [];
  const notes: string[] = [];
  const owns = new Set<string>();
  const stale = currentBootId !== undefined && r.bootId !== currentBootId;
  if (stale) {
    notes.push("from before a reboot: its objects are gone; 'nsrecipe undo' closes it without touching the host");
  }
  if (r.state === "applying") {
    notes.push("interrupted while applying (nsrecipe was killed); 'nsrecipe undo' reverts it");
  }
  for (const p of r.problems) notes.push(`journal: ${p.message}; undo will not act on this run`);
  for (const i of appliedIndexes(r)) {
    const step = r.steps[i];
    const kind = kindOf(step);
    owns.add(kind.object(step));
    if (stale) continue;
    const state = r.stepStates[i];
    if (state === "intent" || state === "failed") {
      notes.push(`step ${i + 1} (${kind.summary(step)}) was started but not completed; undo checks it`);
      continue;
    }
    if (state === "undo-failed") notes.push(`step ${i + 1} (${kind.summary(step)}): undo failed: ${r.errors[i]}`);
    const wrong = await kind.verify(step, ctx).catch((e: Error) => e.message);
    const gone = wrong === undefined && await kind.isReverted(step, ctx, r.captured[i]).catch(() => true);
    if (wrong || gone) {
      drift.push(`${kind.summary(step)}: ${wrong ?? "no longer in effect (changed outside nsrecipe)"}`);
    }
  }
  return {
    id: r.id,
    recipe: r.recipe,
    label: r.label,
    state: r.state,
    startedAt: r.startedAt,
    owns: [...owns],
    uses: r.uses,
    drift,
    notes,
  };
}

/**
 * `nsrecipe status`: the applied runs, what each owns and uses, whether the
 * host still matches, and any journal problem. Read-only: a journal with
 * records nsrecipe cannot read is reported, not refused (undo refuses).
 * @param g Global options.
 * @param out The output.
 * @throws {PreconditionError} When the journal cannot be opened.
 */
export async function statusCommand(g: GlobalOptions, out: Output): Promise<void> {
  await withJournal(g, out, async (journal) => {
    const run = runnerFor(out);
    const ctx = stepContext(run);
    const current = await bootId(run);
    const { runs, orphanProblems } = foldRuns(await journal.read());
    const open = runs.filter(isOpen).reverse();
    const statuses: RunStatus[] = [];
    const byId = new Map(runs.map((r) => [r.id, r]));
    for (const r of open) {
      const st = await runStatus(r, ctx, current);
      // Steps handed over by an earlier run's undo are this run's to revert now (e.g. a shared bridge).
      for (const ref of r.inherited) {
        const step = byId.get(ref.run)?.steps[ref.index];
        if (step && !st.owns.includes(kindOf(step).object(step))) st.owns.push(kindOf(step).object(step));
      }
      statuses.push(st);
    }
    const problems: JournalProblem[] = orphanProblems;
    out.data({ runs: statuses, problems });
    for (const p of problems) {
      out.progress(out.paint("yellow", `${journal.path}: ${p.message}; undo will not act until this is resolved`));
    }
    if (statuses.length === 0) out.result("No applied runs.");
    for (const s of statuses) {
      out.result(`${s.id}  ${s.recipe}  ${s.label}  ${s.state}  since ${s.startedAt}`);
      out.result(`  owns: ${s.owns.join(", ") || "-"}${s.uses.length ? `; uses: ${s.uses.join(", ")}` : ""}`);
      for (const n of s.notes) out.result(out.paint("yellow", `  note: ${n}`));
      for (const d of s.drift) out.result(out.paint("yellow", `  drift: ${d}`));
    }
  });
}
