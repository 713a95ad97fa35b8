/**
 * Runs a compaction moved out of the journal (`journal/compaction.ts`), for
 * the commands that name a run: a run closed long ago is no longer in the
 * journal they read, and `undo NAME`, `status NAME`, `exec NAME` and
 * `confirm NAME` say of it what they said before it moved (it was undone,
 * when), not that no run has that name. Read only on that path: a name the
 * journal does not hold.
 *
 * @module
 */
import { foldRuns, readHistory, type RunView } from "../journal/mod.ts";
import { closedRunCalled } from "../engine/run_ended.ts";

/**
 * The newest closed run of the archive segments with that id or label.
 * @param stateDir The state directory.
 * @param selector A run id or label, e.g. `web`.
 * @returns The run; `undefined` when no segment holds one (or there is no segment).
 * @throws {Deno.errors.PermissionDenied} | {Error} When a segment cannot be read.
 */
export async function archivedRunCalled(stateDir: string, selector: string): Promise<RunView | undefined> {
  const history = await readHistory(stateDir, []);
  if (history.segments.length === 0) return undefined;
  const { runs } = foldRuns({ records: history.records, lines: history.records.map((_, i) => i + 1), problems: [] });
  return closedRunCalled(runs, selector);
}
