import { foldRuns, Journal } from "../journal/mod.ts";
import type { GlobalOptions } from "./context.ts";
import type { Output } from "./output.ts";

/**
 * `nsrecipe journal`: prints the journal's records, and any problem met
 * reading it (garbled, newer-version or inconsistent records; a torn last
 * record is cut off on opening and reported).
 * @param g Global options.
 * @param out The output.
 */
export async function journalCommand(g: GlobalOptions, out: Output): Promise<void> {
  const journal = await Journal.open(g.stateDir, (l) => out.progress(l));
  try {
    if (journal.repaired) out.progress(out.paint("yellow", journal.repaired));
    const parsed = await journal.read();
    const { records } = parsed;
    const { runs, orphanProblems } = foldRuns(parsed);
    const problems = [...orphanProblems, ...runs.flatMap((r) => r.problems)].sort((a, b) => a.line - b.line);
    out.data({ path: journal.path, records, problems });
    for (const r of records) {
      const detail = r.kind === "run-begin"
        ? `${r.recipe} ${r.label} (${r.steps.length} steps)`
        : r.kind === "run-end"
        ? r.state
        : r.kind === "step-undone"
        ? `#${r.index + 1} ${r.how}${r.to ? ` to ${r.to}` : ""}`
        : `#${r.index + 1}${"error" in r ? ` ${r.error}` : ""}`;
      out.result(`${r.at}  ${r.run}  ${r.kind.padEnd(16)} ${detail}`);
    }
    for (const p of problems) out.progress(out.paint("yellow", `${journal.path}: ${p.message}`));
  } finally {
    journal.close();
  }
}
