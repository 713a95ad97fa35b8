/**
 * Runs `read_journal_probe.ts` (a state directory's journal read in a fresh
 * process, which says whether zod was loaded to read it) and returns what it
 * printed.
 * @module
 */
import assert from "node:assert/strict";

/**
 * Runs the probe in a fresh Deno process (`deno run -A`).
 * @param mode `read` (as `status` reads), `append` (a record under the lock, as `undo` writes) or `history` (as
 *   `nsrecipe journal` reads, the archive segments included); see `read_journal_probe.ts` for each one's output.
 * @param dir The state directory.
 * @returns The probe's JSON output, parsed.
 * @throws {AssertionError} When the probe exits other than 0.
 */
export async function probeJournal(mode: "read" | "append" | "history", dir: string): Promise<Record<string, unknown>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-prompt", new URL("./read_journal_probe.ts", import.meta.url).pathname, mode, dir],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  assert.equal(out.code, 0);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}
