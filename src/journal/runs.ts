/**
 * Folds journal records into the state of each run: which steps are applied,
 * what each run owns and uses, which steps were handed over to it.
 *
 * @module
 */
import type { Captured, Step } from "../steps/mod.ts";
import type { JournalProblem, ParsedJournal } from "./reader.ts";
import type { JournalRecord, RunEndRecord } from "./records.ts";

/** Where one step of a run stands. */
export type StepState = "planned" | "intent" | "done" | "failed" | "undone" | "undo-failed";

/**
 * A run's state: `applying` (begun, no end: killed or still running),
 * `applied`, `rolled-back`, `undone`, `incomplete` (undo or rollback left
 * steps applied), `stale` (from before a reboot).
 */
export type RunState = "applying" | RunEndRecord["state"];

/** A reference to a step of some run. */
export interface StepRef {
  run: string;
  index: number;
}

/** One run as the journal tells it. */
export interface RunView {
  id: string;
  recipe: string;
  label: string;
  params: Record<string, unknown>;
  uses: string[];
  /** Objects whose steps may be handed over to a later run that uses them. */
  handover: string[];
  steps: Step[];
  bootId: string;
  pid: number;
  startedAt: string;
  state: RunState;
  stepStates: StepState[];
  /** Captured prior state per step index (from its intent record). */
  captured: Captured[];
  /** Last error per step index, from failed or undo-failed records. */
  errors: (string | undefined)[];
  /** Steps of older runs handed over to this one by their undo. */
  inherited: StepRef[];
  /** Journal problems that concern this run: undo will not act on it. */
  problems: JournalProblem[];
  /** The confirmation window, when the run was applied with one. */
  confirm?: { deadline: number; watchdogPid: number; state: "pending" | "confirmed" | "expired" };
}

/**
 * Whether a run still has effects on the host (its undo has work to do).
 * @param r A run.
 * @returns `true` for `applying`, `applied` and `incomplete`.
 */
export function isOpen(r: RunView): boolean {
  return r.state === "applying" || r.state === "applied" || r.state === "incomplete";
}

/**
 * Indexes of a run's own steps that may still be applied (intent, done,
 * failed, undo-failed), in plan order.
 * @param r A run.
 * @returns Step indexes.
 */
export function appliedIndexes(r: RunView): number[] {
  return r.stepStates.flatMap((s, i) => (s === "planned" || s === "undone" ? [] : [i]));
}

/**
 * Builds every run's view from parsed records.
 *
 * @param parsed Output of `parseJournal`.
 * @returns Runs in journal order (oldest first), and problems not tied to any known run.
 */
export function foldRuns(parsed: ParsedJournal): { runs: RunView[]; orphanProblems: JournalProblem[] } {
  const runs = new Map<string, RunView>();
  for (const rec of parsed.records) apply(runs, rec);
  const orphanProblems: JournalProblem[] = [];
  for (const p of parsed.problems) {
    const r = p.run ? runs.get(p.run) : undefined;
    if (r && p.kind !== "torn") r.problems.push(p);
    else if (!r && p.kind !== "torn") orphanProblems.push(p);
  }
  return { runs: [...runs.values()], orphanProblems };
}

function apply(runs: Map<string, RunView>, rec: JournalRecord): void {
  if (rec.kind === "run-begin") {
    runs.set(rec.run, {
      id: rec.run,
      recipe: rec.recipe,
      label: rec.label,
      params: rec.params,
      uses: rec.uses,
      handover: rec.handover ?? [],
      steps: rec.steps,
      bootId: rec.bootId,
      pid: rec.pid,
      startedAt: rec.at,
      state: "applying",
      stepStates: rec.steps.map(() => "planned"),
      captured: rec.steps.map(() => undefined),
      errors: rec.steps.map(() => undefined),
      inherited: [],
      problems: [],
    });
    return;
  }
  const run = runs.get(rec.run);
  if (!run) return;
  if (rec.kind === "run-end") {
    run.state = rec.state;
    return;
  }
  if (rec.kind === "confirm-wait") {
    run.confirm = { deadline: rec.deadline, watchdogPid: rec.watchdogPid, state: "pending" };
    return;
  }
  if (rec.kind === "run-confirmed" || rec.kind === "confirm-expired") {
    if (run.confirm) run.confirm.state = rec.kind === "run-confirmed" ? "confirmed" : "expired";
    return;
  }
  if (rec.index >= run.steps.length) return;
  switch (rec.kind) {
    case "step-intent":
      run.stepStates[rec.index] = "intent";
      run.captured[rec.index] = rec.captured;
      break;
    case "step-done":
      run.stepStates[rec.index] = "done";
      break;
    case "step-failed":
      run.stepStates[rec.index] = "failed";
      run.errors[rec.index] = rec.error;
      break;
    case "step-undo-failed":
      run.stepStates[rec.index] = "undo-failed";
      run.errors[rec.index] = rec.error;
      break;
    case "step-undone":
      run.stepStates[rec.index] = "undone";
      for (const other of runs.values()) {
        other.inherited = other.inherited.filter((r) => !(r.run === rec.run && r.index === rec.index));
      }
      if (rec.how === "handed-over" && rec.to) runs.get(rec.to)?.inherited.push({ run: rec.run, index: rec.index });
      break;
    default: {
      const never: never = rec;
      throw new Error(`unknown record ${JSON.stringify(never)}`);
    }
  }
}
