/**
 * The journal as the watchdog tests read it: straight from the lab's state
 * directory (not through nsrecipe, which would take part in what is tested),
 * and a bounded wait for the lab host to return to a snapshot (the watchdog
 * reverts at a deadline the test does not control). Shared by
 * `tests/e2e/watchdog*_test.ts`.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { TestLab } from "./lab.ts";
import { waitFor } from "./wait.ts";

/** The state directory the watchdog tests use (nsrecipe's default). */
export const STATE = "/run/nsrecipe";

/** A journal record, with the fields the watchdog tests read. */
export interface Rec {
  kind: string;
  run: string;
  label?: string;
  state?: string;
  index?: number;
  pid?: number;
  deadline?: number;
  watchdogPid?: number;
  watchdogStart?: number;
}

/**
 * The journal as it is on disk (read by the test through the lab's root, not
 * through nsrecipe, and without starting a process: cheap enough to poll).
 * Its whole lines only: a record being appended this very moment is left for
 * the next read.
 * @param lab The lab.
 * @returns Its records, in order; `[]` when there is no journal.
 */
export async function records(lab: TestLab): Promise<Rec[]> {
  return wholeLines(await lab.readFile(`${STATE}/journal.jsonl`) ?? "").map((l) => JSON.parse(l) as Rec);
}

/**
 * The complete, non-blank lines of a JSON Lines text read while it may be
 * appended to: a last line without its newline is left out.
 * @param text The text.
 * @returns The lines, without their newlines.
 */
export function wholeLines(text: string): string[] {
  return text.slice(0, text.lastIndexOf("\n") + 1).split("\n").filter((l) => l.trim());
}

/**
 * How the newest run ended, other than applied.
 * @param lab The lab.
 * @returns The state of the last `run-end` record that is not `applied` (e.g. `undone`), `undefined` when none.
 */
export async function ended(lab: TestLab): Promise<string | undefined> {
  return (await records(lab)).findLast((r) => r.kind === "run-end" && r.state !== "applied")?.state;
}

/**
 * Waits until the lab host's snapshot equals `want`: from `from` on (the
 * earliest the change can come, e.g. a watchdog's deadline: no snapshot, a
 * handful of processes each, is taken before it), for at most 30 s more.
 * @param lab The lab.
 * @param want The snapshot awaited.
 * @param what What is awaited, for the error message.
 * @param from When to start looking, in ms since the epoch (default: now).
 * @throws {Error} When the bound passes first.
 */
export async function waitForSnapshot(lab: TestLab, want: unknown, what: string, from = Date.now()): Promise<void> {
  await new Promise((r) => setTimeout(r, Math.max(0, from - Date.now())));
  await waitFor(what, async () => {
    try {
      assert.deepEqual(await lab.snapshot(), want);
      return true;
    } catch {
      return false;
    }
  }, 30_000);
}
