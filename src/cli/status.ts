import { loadRuns } from "../engine/mod.ts";
import { appliedIndexes, isOpen, Journal, type RunView } from "../journal/mod.ts";
import { kindOf, type StepContext } from "../steps/mod.ts";
import { type GlobalOptions, runnerFor, stepContext } from "./context.ts";
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
  /** Applied steps whose effect is no longer on the host (deleted by hand…): their undo will find them gone. */
  drift: string[];
}

/**
 * Checks each applied step of a run against the host.
 * @param r The run.
 * @param ctx Step context.
 * @returns The run's status.
 */
export async function runStatus(r: RunView, ctx: StepContext): Promise<RunStatus> {
  const drift: string[] = [];
  const owns = new Set<string>();
  for (const i of appliedIndexes(r)) {
    const step = r.steps[i];
    const kind = kindOf(step);
    owns.add(kind.object(step));
    const gone = await kind.isReverted(step, ctx, r.captured[i]).catch(() => true);
    if (gone) drift.push(`${kind.summary(step)}: no longer in effect (changed outside nsrecipe)`);
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
  };
}

/**
 * `nsrecipe status`: the applied runs, what each owns and uses, and whether
 * the host still matches.
 * @param g Global options.
 * @param out The output.
 * @throws {PreconditionError} When the journal cannot be read safely.
 */
export async function statusCommand(g: GlobalOptions, out: Output): Promise<void> {
  const journal = await Journal.open(g.stateDir, (l) => out.progress(l));
  try {
    const ctx = stepContext(runnerFor(out));
    const runs = (await loadRuns({ journal })).filter(isOpen).reverse();
    const statuses = await Promise.all(runs.map((r) => runStatus(r, ctx)));
    out.data({ runs: statuses });
    if (statuses.length === 0) out.result("No applied runs.");
    for (const s of statuses) {
      out.result(`${s.id}  ${s.recipe}  ${s.label}  ${s.state}  since ${s.startedAt}`);
      out.result(`  owns: ${s.owns.join(", ") || "-"}${s.uses.length ? `; uses: ${s.uses.join(", ")}` : ""}`);
      for (const d of s.drift) out.result(out.paint("yellow", `  drift: ${d}`));
    }
  } finally {
    journal.close();
  }
}
