import { foldRuns, type JournalRecord, readHistory, readJournal, type RunEndRecord } from "../journal/mod.ts";
import { kindOf, type Step } from "../steps/mod.ts";
import type { GlobalOptions } from "./composition_root.ts";
import type { Output } from "./output.ts";
import { noRunCalled } from "../errors.ts";
import { localDateTime } from "./clock.ts";
import { quote } from "../quote.ts";

/**
 * The runs a `journal RUN` selector names: the run with that id, or every
 * run (applied, undone or failed) that carried that name.
 * @param records The journal's records.
 * @param selector A run id or name.
 * @param stateDir The state directory, for the hint.
 * @returns The run ids.
 * @throws {UsageError} When no run in the journal has that id or name.
 */
export function runsSelected(records: readonly JournalRecord[], selector: string, stateDir: string): Set<string> {
  const ids = new Set(
    records.flatMap((r) => r.kind === "run-begin" && (r.run === selector || r.label === selector) ? [r.run] : []),
  );
  if (ids.size === 0) {
    throw noRunCalled(selector, "journal", stateDir);
  }
  return ids;
}

/**
 * `nsrecipe journal [RUN]`: prints the journal's records (only RUN's, by id or name, when given), the runs a
 * compaction moved to the archive segments included (`readHistory`: the whole history, in the order written), and any
 * problem met reading them (garbled, newer-version or inconsistent records; an incomplete last record). An empty or
 * absent journal says so (`No records in the journal '…'.`; `--json`: `records: []`, `archive: []`).
 * Takes no lock: it only reads.
 * @param g Global options.
 * @param out The output.
 * @param selector A run id or name: only its records (every run of that name).
 * @throws {UsageError} When no run in the journal has that id or name.
 */
export async function journalCommand(g: GlobalOptions, out: Output, selector?: string): Promise<void> {
  const journal = await readJournal(g.stateDir);
  // The runs a compaction moved out are read from the archive segments beside the journal (compaction.ts).
  const history = await readHistory(g.stateDir, journal.records);
  const chosen = selector === undefined ? undefined : runsSelected(history.records, selector, g.stateDir);
  const records = chosen ? history.records.filter((r) => chosen.has(r.run)) : history.records;
  const { runs, orphanProblems } = foldRuns(journal);
  const problems = [
    ...(chosen ? [] : orphanProblems),
    ...runs.filter((r) => !chosen || chosen.has(r.id))
      .flatMap((r) => r.problems),
  ].sort((a, b) => a.line - b.line);
  // The segments read, and what could not be read in them (each with its file), beside the journal's own.
  const segmentProblems = history.problems.map((p) => ({ ...p, file: `${g.stateDir}/${p.file}` }));
  out.data({
    path: journal.path,
    records,
    problems,
    archive: history.segments.map((s) => `${g.stateDir}/${s}`),
    archiveProblems: segmentProblems,
  });
  // An empty or absent journal is said to be, as status says "No applied runs." (a selector names a run: it has records).
  if (records.length === 0) {
    out.result(`No ${problems.length > 0 ? "readable " : ""}records in the journal ${quote(journal.path)}.`);
  }
  for (const line of journalLines(records)) out.result(line);
  for (const p of segmentProblems) out.progress(out.paint("yellow", `${p.file}: ${p.message}`));
  for (const p of problems) out.progress(out.paint("yellow", `${journal.path}: ${p.message}`));
  if (journal.incomplete) out.progress(out.paint("yellow", incompleteNote(journal.path, journal.incomplete)));
}

/**
 * What to say of an incomplete last line that a reader left out.
 * @param path The journal.
 * @param tail The line, without its newline.
 * @returns One sentence.
 */
export function incompleteNote(path: string, tail: string): string {
  return `${path}: the last record is incomplete (being written, or cut short by a crash; the next nsrecipe ` +
    `that changes anything removes it): ${JSON.stringify(tail.slice(0, 80))}`;
}

/**
 * The time of a record for humans: local date and time to the second.
 * @param at The record's ISO 8601 time.
 * @returns e.g. `2026-11-30 20:15:03`, or `at` itself when it does not parse.
 */
export function humanTime(at: string): string {
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? at : localDateTime(ms);
}

/**
 * The journal for humans, one line per record: time, the run's name, what
 * happened (the step's own summary, `[2/5] add address … to 'br0'`) and its
 * state. `--json` gives the raw records instead.
 * @param records The records in journal order.
 * @returns One line each, columns aligned on the run's name.
 */
export function journalLines(records: readonly JournalRecord[]): string[] {
  const runs = new Map<string, { label: string; steps: Step[] }>();
  for (const r of records) if (r.kind === "run-begin") runs.set(r.run, { label: r.label, steps: r.steps });
  const width = Math.max(0, ...[...runs.values()].map((r) => r.label.length));
  // What each run's records so far say of how its apply went, for a rollback's reason.
  const applying = new Map<string, ApplyProgress>();
  return records.map((r) => {
    const run = runs.get(r.run);
    const name = (run?.label ?? r.run).padEnd(width);
    const progress = applying.get(r.run) ?? { done: 0 };
    if (r.kind === "run-begin") applying.set(r.run, { done: 0 });
    else if (r.kind === "step-done") applying.set(r.run, { ...progress, done: progress.done + 1 });
    else if (r.kind === "step-failed") applying.set(r.run, { ...progress, failed: r.index });
    return `${humanTime(r.at)}  ${name}  ${describeRecord(r, run?.steps, progress)}`;
  });
}

/** How far a run's apply got, as its records up to a point say. */
export interface ApplyProgress {
  /** How many `step-done` records the run has. */
  done: number;
  /** The index (0-based) of its `step-failed` step, if one failed. */
  failed?: number;
}

/**
 * A `run-end` record in words, with why a rollback happened as far as the
 * records say: the step that failed (its `step-failed` record), else how
 * many steps were done when it stopped (a stop signal and a failed final
 * check leave no record of their own; the console said which).
 * @param state The record's end state.
 * @param total The run's number of planned steps (0 when unknown).
 * @param progress What the run's earlier records say, if known.
 * @returns e.g. `run rolled back: step 2 of 5 failed; every step done was undone`.
 */
export function runEndText(state: RunEndRecord["state"], total: number, progress?: ApplyProgress): string {
  const of = total > 0 ? ` of ${total}` : "";
  switch (state) {
    case "applied":
      return "run applied: every step done";
    case "undone":
      return "run undone";
    case "incomplete":
      return "run left incomplete: some steps could not be undone ('nsrecipe undo' tries again)";
    case "stale":
      return "run marked stale: the host rebooted since it was applied";
    case "rolled-back": {
      const why = progress?.failed !== undefined
        ? `step ${progress.failed + 1}${of} failed`
        : progress
        ? `stopped after ${progress.done}${of} steps (by a stop signal or a failed final check; no step failed)`
        : "";
      return `run rolled back${why ? `: ${why}` : ""}; every step done was undone`;
    }
  }
}

/**
 * One line describing a journal record (after its time and run name).
 * @param r The record.
 * @param steps The run's planned steps (from its run-begin), to name a step by its summary.
 * @param progress What the run's earlier records say of its apply, for a rollback's reason ({@link runEndText}).
 * @returns e.g. `run netns web: 2 steps (run 2026…)`, `[1/2] create network namespace 'web': done`.
 */
export function describeRecord(
  r: JournalRecord,
  steps: readonly Step[] = [],
  progress?: ApplyProgress,
): string {
  const step = (index: number) => {
    const s = steps[index];
    return `[${index + 1}/${steps.length || "?"}] ${s ? kindOf(s).summary(s) : "step"}`;
  };
  switch (r.kind) {
    case "run-begin":
      return `run ${r.recipe} ${r.label}: ${r.steps.length} steps (run ${r.run})`;
    case "run-end":
      return runEndText(r.state, steps.length, progress);
    case "step-intent":
      return `${step(r.index)}: starting`;
    case "step-done":
      return `${step(r.index)}: done`;
    case "step-failed":
      return `${step(r.index)}: FAILED: ${r.error}`;
    case "step-undo-failed":
      return `${step(r.index)}: undo FAILED: ${r.error}`;
    case "step-undone":
      return `${step(r.index)}: ${
        r.leftAlone !== undefined
          ? `left alone: ${r.leftAlone}`
          : r.how === "reverted"
          ? "undone"
          : r.how === "already-gone"
          ? "already gone"
          : r.how === "subsumed"
          ? "undone with the object that held it"
          : `handed over to run ${r.to}`
      }`;
    case "confirm-wait":
      return `waiting for confirmation until ${localDateTime(r.deadline)} (watchdog pid ${r.watchdogPid})`;
    case "run-confirmed":
      return `confirmed (${r.by === "tty" ? "yes typed at the prompt" : "nsrecipe confirm"})`;
    case "confirm-expired":
      return r.how === "prompt-no"
        ? "refused at the prompt: undoing"
        : r.how === "prompt-interrupt"
        ? `interrupted at the prompt (${r.signal ?? "SIGINT"}${
          r.signal === "SIGHUP" ? ", the terminal hung up" : ""
        }): undoing`
        : "not confirmed in time: undoing";
    default: {
      const never: never = r;
      return String(never);
    }
  }
}
