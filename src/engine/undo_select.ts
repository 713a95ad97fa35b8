/**
 * Which runs `undo` acts on, read from the journal: the runs as folded (refusing records it cannot tie to a run)
 * and those a selector names. Nothing else of the engine (no step kind, no look at the host), so that `undo` with
 * nothing to undo, and `exec`, load none of it; `undo.ts` re-exports both.
 *
 * @module
 */
import { noRunCalled, PreconditionError } from "../errors.ts";
import { foldRuns, isOpen, type RunView } from "../journal/mod.ts";
import type { EngineDeps } from "./deps.ts";

/**
 * Reads the journal and returns every run.
 * @param deps Engine dependencies.
 * @returns Runs oldest first.
 * @throws {PreconditionError} When a garbled record cannot be tied to a run:
 *   undo will not guess what it described, and `run` (which reads the runs
 *   through this too) adds none that could then not be undone.
 */
export async function loadRuns(deps: Pick<EngineDeps, "journal">): Promise<RunView[]> {
  const parsed = await deps.journal.read();
  const { runs, orphanProblems } = foldRuns(parsed);
  if (orphanProblems.length > 0) {
    const newer = orphanProblems.some((p) => p.kind === "newer-version");
    throw new PreconditionError(
      `The journal '${deps.journal.path}' has records nsrecipe cannot tie to a run it can read: ${
        orphanProblems.map((p) => p.message).join("; ")
      }`,
      newer
        ? "Use the newer nsrecipe that wrote them; this one will not act on records it cannot fully read."
        : "Undo will not act on records it cannot fully read, and run adds no run it could not undo: see 'nsrecipe " +
          "journal', revert by hand what they describe, then move the journal aside.",
    );
  }
  return runs;
}

/**
 * Picks the runs `undo` acts on.
 * @param runs All runs, oldest first.
 * @param selector A run id or label (netns name), `undefined` for the newest open run, or `"--all"`.
 * @returns Runs to undo, newest first; `[]` when nothing is open.
 * @throws {UsageError} When the selector matches no open run.
 */
export function selectRuns(runs: readonly RunView[], selector: string | undefined): RunView[] {
  const open = runs.filter(isOpen).reverse();
  if (selector === "--all" || selector === undefined) return selector ? open : open.slice(0, 1);
  const byId = open.find((r) => r.id === selector);
  if (byId) return [byId];
  const byLabel = open.find((r) => r.label === selector);
  if (byLabel) return [byLabel];
  const closed = runs.find((r) => r.id === selector || r.label === selector);
  if (closed) return [];
  throw noRunCalled(selector, "applied");
}
