import { foldRuns, type JournalRecord, readJournal } from "../journal/mod.ts";
import { kindOf, type Step } from "../steps/mod.ts";
import type { GlobalOptions } from "./composition_root.ts";
import type { Output } from "./output.ts";
import { noRunCalled } from "../errors.ts";
import { localDateTime } from "./clock.ts";

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
 * `nsrecipe journal [RUN]`: prints the journal's records (only RUN's, by id or name, when given), and any problem met
 * reading it (garbled, newer-version or inconsistent records; an incomplete
 * last record). Takes no lock: it only reads.
 * @param g Global options.
 * @param out The output.
 * @param selector A run id or name: only its records (every run of that name).
 * @throws {UsageError} When no run in the journal has that id or name.
 */
export async function journalCommand(g: GlobalOptions, out: Output, selector?: string): Promise<void> {
  const journal = await readJournal(g.stateDir);
  const chosen = selector === undefined ? undefined : runsSelected(journal.records, selector, g.stateDir);
  const records = chosen ? journal.records.filter((r) => chosen.has(r.run)) : journal.records;
  const { runs, orphanProblems } = foldRuns(journal);
  const problems = [
    ...(chosen ? [] : orphanProblems),
    ...runs.filter((r) => !chosen || chosen.has(r.id))
      .flatMap((r) => r.problems),
  ].sort((a, b) => a.line - b.line);
  out.data({ path: journal.path, records, problems });
  for (const line of journalLines(records)) out.result(line);
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
  return records.map((r) => {
    const run = runs.get(r.run);
    const name = (run?.label ?? r.run).padEnd(width);
    return `${humanTime(r.at)}  ${name}  ${describeRecord(r, run?.steps)}`;
  });
}

/**
 * One line describing a journal record (after its time and run name).
 * @param r The record.
 * @param steps The run's planned steps (from its run-begin), to name a step by its summary.
 * @returns e.g. `run netns web: 2 steps (run 2026…)`, `[1/2] create network namespace 'web': done`.
 */
export function describeRecord(r: JournalRecord, steps: readonly Step[] = []): string {
  const step = (index: number) => {
    const s = steps[index];
    return `[${index + 1}/${steps.length || "?"}] ${s ? kindOf(s).summary(s) : "step"}`;
  };
  switch (r.kind) {
    case "run-begin":
      return `run ${r.recipe} ${r.label}: ${r.steps.length} steps (run ${r.run})`;
    case "run-end":
      return `run ended: ${r.state}`;
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
        r.how === "reverted"
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
