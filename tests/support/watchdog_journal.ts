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
 * The journal as it is on disk (read by the test, not through nsrecipe).
 * @param lab The lab.
 * @returns Its records, in order.
 */
export async function records(lab: TestLab): Promise<Rec[]> {
  const text = (await lab.sh(["cat", `${STATE}/journal.jsonl`])).stdout;
  return text.split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as Rec);
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
 * Waits (at most 30 s) until the lab host's snapshot equals `want`.
 * @param lab The lab.
 * @param want The snapshot awaited.
 * @param what What is awaited, for the error message.
 * @throws {Error} When the bound passes first.
 */
export async function waitForSnapshot(lab: TestLab, want: unknown, what: string): Promise<void> {
  await waitFor(what, async () => {
    try {
      assert.deepEqual(await lab.snapshot(), want);
      return true;
    } catch {
      return false;
    }
  }, 30_000);
}
