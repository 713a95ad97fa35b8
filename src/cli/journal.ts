import { foldRuns, type JournalRecord } from "../journal/mod.ts";
import { type GlobalOptions, withJournal } from "./context.ts";
import type { Output } from "./output.ts";

/**
 * `nsrecipe journal`: prints the journal's records, and any problem met
 * reading it (garbled, newer-version or inconsistent records; a torn last
 * record is cut off on opening and reported).
 * @param g Global options.
 * @param out The output.
 */
export async function journalCommand(g: GlobalOptions, out: Output): Promise<void> {
  await withJournal(g, out, async (journal) => {
    const parsed = await journal.read();
    const { records } = parsed;
    const { runs, orphanProblems } = foldRuns(parsed);
    const problems = [...orphanProblems, ...runs.flatMap((r) => r.problems)].sort((a, b) => a.line - b.line);
    out.data({ path: journal.path, records, problems });
    for (const r of records) {
      const detail = describeRecord(r);
      out.result(`${r.at}  ${r.run}  ${r.kind.padEnd(16)} ${detail}`);
    }
    for (const p of problems) out.progress(out.paint("yellow", `${journal.path}: ${p.message}`));
  });
}

/**
 * One line describing a journal record (after its time, run id and kind).
 * @param r The record.
 * @returns e.g. `netns web (2 steps)` or `#2 handed-over to 2026…`.
 */
export function describeRecord(r: JournalRecord): string {
  switch (r.kind) {
    case "run-begin":
      return `${r.recipe} ${r.label} (${r.steps.length} steps)`;
    case "run-end":
      return r.state;
    case "step-intent":
    case "step-done":
      return `#${r.index + 1}`;
    case "step-failed":
    case "step-undo-failed":
      return `#${r.index + 1} ${r.error}`;
    case "step-undone":
      return `#${r.index + 1} ${r.how}${r.to ? ` to ${r.to}` : ""}`;
    case "confirm-wait":
      return `until ${new Date(r.deadline).toISOString()} (watchdog pid ${r.watchdogPid})`;
    case "run-confirmed":
      return `by ${r.by}`;
    case "confirm-expired":
      return "not confirmed in time: undoing";
    default: {
      const never: never = r;
      return String(never);
    }
  }
}
