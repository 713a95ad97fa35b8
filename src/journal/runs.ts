/**
 * Folds journal records into the state of each run: which steps are applied,
 * what each run owns and uses, which steps were handed over to it.
 *
 * @module
 */
import type { Identities, NetnsRef } from "../host/identity.ts";
import type { Captured, Step } from "../steps/mod.ts";
import type { JournalProblem, ParsedJournal } from "./reader.ts";
import type { JournalRecord, RunEndRecord, StepUndoneRecord } from "./records.ts";

/**
 * How a run's confirmation window ended: `prompt-yes` (yes typed at the
 * prompt of `run`), `command` (`nsrecipe confirm`), `prompt-no` (another
 * answer at the prompt), `prompt-interrupt` (Ctrl-C at the prompt),
 * `expired` (nobody answered by the deadline; also every refusal recorded by
 * an earlier version, which did not tell them apart).
 */
export type ConfirmEnd = "prompt-yes" | "command" | "prompt-no" | "prompt-interrupt" | "expired";

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
  /** Run id, e.g. `20261129T063300-3f2a`. */
  run: string;
  /** Index of the step in that run's plan, 0-based. */
  index: number;
}

/** One run as the journal tells it. */
export interface RunView {
  /** Run id, e.g. `20261129T063300-3f2a`. */
  id: string;
  /** Recipe name, e.g. `veth-bridge`. */
  recipe: string;
  /** Human name used by `undo NAME` (the netns name, or the recipe). */
  label: string;
  /** The recipe's parsed parameters, as recorded in `run-begin`. */
  params: Record<string, unknown>;
  /** Objects the run relies on but did not create, e.g. `link:br0`. */
  uses: string[];
  /** Objects whose steps may be handed over to a later run that uses them. */
  handover: string[];
  /** The whole plan, in order. */
  steps: Step[];
  /** `/proc/sys/kernel/random/boot_id` when the run began. */
  bootId: string;
  /** The network namespace the run acted in; absent for journals of earlier versions. */
  netns?: NetnsRef;
  /** PID of the nsrecipe process that applied the run. */
  pid: number;
  /** ISO 8601 time of the `run-begin` record. */
  startedAt: string;
  /** Where the run stands: its last `run-end` state, or `applying` when it has none. */
  state: RunState;
  /** ISO 8601 time of the last `run-end` record (when the run was applied, undone, rolled back…); absent while applying. */
  endedAt?: string;
  /** Where each step of `steps` stands, by index. */
  stepStates: StepState[];
  /** Captured prior state per step index (from its intent record). */
  captured: Captured[];
  /**
   * Identities of the named objects the run acts on, by object key
   * (`netns:web`, `link:br0`), from its intent and done records; the first
   * record of a key wins. Empty for journals of earlier versions.
   */
  identities: Identities;
  /** Last error per step index, from failed or undo-failed records. */
  errors: (string | undefined)[];
  /** How each `undone` step was undone (its step-undone record's `how`), by index; `undefined` for the others. */
  undoneHow: (StepUndoneRecord["how"] | undefined)[];
  /**
   * Set when an undo of the run began after its last `run-end` (`applied`
   * or `incomplete`) and recorded no end: a step-undone or step-undo-failed
   * record of its own (or of a step handed over to it) came after that
   * `run-end`; the undo was killed or is still at work. Cleared by the next
   * `run-end`.
   */
  undoInterrupted?: true;
  /** Steps of older runs handed over to this one by their undo. */
  inherited: StepRef[];
  /** Journal problems that concern this run: undo will not act on it. */
  problems: JournalProblem[];
  /**
   * The confirmation window, when the run was applied with one: `deadline` in
   * ms since the Unix epoch, `watchdogPid` the process holding the timer
   * (`watchdogStart` its start time, `/proc/PID/stat` field 22, when recorded), and
   * `state` whether a `run-confirmed` or `confirm-expired` record followed
   * (`decidedAt`: that record's ISO 8601 time; `how`: how the window ended, see {@link ConfirmEnd}).
   */
  confirm?: {
    deadline: number;
    watchdogPid: number;
    watchdogStart?: number;
    state: "pending" | "confirmed" | "expired";
    decidedAt?: string;
    how?: ConfirmEnd;
  };
}

/**
 * How long after a window's run was closed (reverted at its deadline, undone)
 * a plain `nsrecipe confirm` (no run named) still answers about it ("Too
 * late"), in ms; later it says no run waits for confirmation, naming that
 * window. A compaction of the journal keeps every run closed less than this
 * before (`compaction.ts`).
 */
export const RECENT_WINDOW_MS = 10 * 60 * 1000;

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
 * Builds every run's view from parsed records. Besides the reader's
 * problems, reports records that are well formed but contradict the rest of
 * the journal (`inconsistent`): a record of a run that never began (tied to
 * no run: it blocks every undo), a second run-begin for one id, a step index
 * beyond the run's plan, a step handed over to a run that does not exist.
 * Torn problems are left out: the torn line was never acted on.
 *
 * Linear in the records: a hand-over is found through an index of who holds
 * each inherited step, not by a look at every run. A command folds the same
 * journal several times (where it runs, expired windows, the namespaces its
 * runs made, the runs under the lock): the fold of one parse is made once
 * and given to each (`parseJournal` returns the very same records while the
 * file is unchanged). The views are shared, so callers treat them as read-only.
 *
 * @param parsed Output of `parseJournal`.
 * @returns Runs in journal order (oldest first), and problems not tied to any known run.
 */
export function foldRuns(parsed: ParsedJournal): { runs: RunView[]; orphanProblems: JournalProblem[] } {
  const known = folds.get(parsed.records);
  if (known && known.lines === parsed.lines && known.problems === parsed.problems) return known.fold;
  const fold = foldOnce(parsed);
  folds.set(parsed.records, { lines: parsed.lines, problems: parsed.problems, fold });
  return fold;
}

/** The folds made, by the records array folded (with the line numbers and problems that went with it). */
const folds = new WeakMap<
  readonly JournalRecord[],
  { lines: ParsedJournal["lines"]; problems: ParsedJournal["problems"]; fold: ReturnType<typeof foldOnce> }
>();

/** Who holds each inherited step (see {@link RunView.inherited}), by {@link refKey}: the run it was handed over to. */
type Holders = Map<string, RunView>;

/** The key of a step reference in {@link Holders}. */
function refKey(run: string, index: number): string {
  return `${index} ${run}`;
}

/** {@link foldRuns} without the memo. */
function foldOnce(parsed: ParsedJournal): { runs: RunView[]; orphanProblems: JournalProblem[] } {
  const runs = new Map<string, RunView>();
  const holders: Holders = new Map();
  const found: JournalProblem[] = [];
  const unknownRuns = new Set<string>();
  parsed.records.forEach((rec, i) => {
    const line = parsed.lines?.[i] ?? 0;
    const problem = apply(runs, holders, rec);
    if (problem === "unknown-run") {
      if (unknownRuns.has(rec.run)) return;
      unknownRuns.add(rec.run);
      found.push({
        line,
        kind: "inconsistent",
        run: rec.run,
        message: `Line ${line} is a ${rec.kind} record of run '${rec.run}', which has no readable run-begin record`,
      });
    } else if (problem) {
      found.push({ line, kind: "inconsistent", run: rec.run, message: `Line ${line}: ${problem}` });
    }
  });
  const orphanProblems: JournalProblem[] = [];
  for (const p of [...parsed.problems, ...found].sort((a, b) => a.line - b.line)) {
    if (p.kind === "torn") continue;
    const r = p.run ? runs.get(p.run) : undefined;
    if (r) r.problems.push(p);
    else orphanProblems.push(p);
  }
  return { runs: [...runs.values()], orphanProblems };
}

function apply(runs: Map<string, RunView>, holders: Holders, rec: JournalRecord): string | undefined {
  if (rec.kind === "run-begin") {
    if (runs.has(rec.run)) return `a second run-begin record for run '${rec.run}' (ignored)`;
    runs.set(rec.run, {
      id: rec.run,
      recipe: rec.recipe,
      label: rec.label,
      params: rec.params,
      uses: rec.uses,
      handover: rec.handover ?? [],
      steps: rec.steps,
      bootId: rec.bootId,
      ...(rec.netns ? { netns: rec.netns } : {}),
      pid: rec.pid,
      startedAt: rec.at,
      state: "applying",
      stepStates: rec.steps.map(() => "planned"),
      captured: rec.steps.map(() => undefined),
      identities: {},
      errors: rec.steps.map(() => undefined),
      undoneHow: rec.steps.map(() => undefined),
      inherited: [],
      problems: [],
    });
    return undefined;
  }
  const run = runs.get(rec.run);
  if (!run) return "unknown-run";
  if (rec.kind === "run-end") {
    run.state = rec.state;
    run.endedAt = rec.at;
    delete run.undoInterrupted;
    return undefined;
  }
  if (rec.kind === "confirm-wait") {
    run.confirm = {
      deadline: rec.deadline,
      watchdogPid: rec.watchdogPid,
      ...(rec.watchdogStart === undefined ? {} : { watchdogStart: rec.watchdogStart }),
      state: "pending",
    };
    return undefined;
  }
  if (rec.kind === "run-confirmed" || rec.kind === "confirm-expired") {
    if (run.confirm) {
      run.confirm.state = rec.kind === "run-confirmed" ? "confirmed" : "expired";
      run.confirm.decidedAt = rec.at;
      run.confirm.how = rec.kind === "run-confirmed"
        ? (rec.by === "tty" ? "prompt-yes" : "command")
        : rec.how === "prompt-no" || rec.how === "prompt-interrupt"
        ? rec.how
        : "expired";
    }
    return undefined;
  }
  if (rec.index >= run.steps.length) {
    return `a ${rec.kind} record for step ${rec.index} of run '${rec.run}', whose plan has ${run.steps.length} step(s)`;
  }
  if (rec.kind === "step-undone" || rec.kind === "step-undo-failed") markUndoBegun(holders, run, rec.index);
  switch (rec.kind) {
    case "step-intent":
      run.stepStates[rec.index] = "intent";
      run.captured[rec.index] = rec.captured;
      run.identities = { ...rec.identities, ...run.identities };
      break;
    case "step-done":
      run.stepStates[rec.index] = "done";
      run.identities = { ...rec.identities, ...run.identities };
      break;
    case "step-failed":
      run.stepStates[rec.index] = "failed";
      run.errors[rec.index] = rec.error;
      break;
    case "step-undo-failed":
      run.stepStates[rec.index] = "undo-failed";
      run.errors[rec.index] = rec.error;
      break;
    case "step-undone": {
      if (rec.how === "handed-over" && !(rec.to && runs.has(rec.to))) {
        return `step ${rec.index} of run '${rec.run}' was handed over to run '${rec.to}', which does not exist`;
      }
      run.stepStates[rec.index] = "undone";
      run.undoneHow[rec.index] = rec.how;
      // A step has one holder at a time: the run it was last handed over to, until a step-undone record moves it on.
      const key = refKey(rec.run, rec.index);
      const holder = holders.get(key);
      if (holder) {
        holder.inherited = holder.inherited.filter((r) => !(r.run === rec.run && r.index === rec.index));
        holders.delete(key);
      }
      if (rec.how === "handed-over" && rec.to) {
        const to = runs.get(rec.to)!;
        to.inherited.push({ run: rec.run, index: rec.index });
        holders.set(key, to);
      }
      break;
    }
    default: {
      const never: never = rec;
      throw new Error(`unknown record ${JSON.stringify(never)}`);
    }
  }
  return undefined;
}

/**
 * Marks the run whose undo wrote an undo record for step `index` of `run`:
 * `run` itself once applied (or incomplete), or the later run the step was
 * handed over to (its holder, when that one is open).
 */
function markUndoBegun(holders: Holders, run: RunView, index: number): void {
  const open = (r: RunView) => r.state === "applied" || r.state === "incomplete";
  if (open(run)) {
    run.undoInterrupted = true;
    return;
  }
  const holder = holders.get(refKey(run.id, index));
  if (holder && open(holder)) holder.undoInterrupted = true;
}
