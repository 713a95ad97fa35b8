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
import { LOCK_FILE } from "../../src/journal/paths.ts";
import { assertExit } from "./reliability.ts";
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

/**
 * The watchdog's PID as the run recorded it (its confirm-wait record).
 * @param lab The lab.
 * @returns The PID, in the lab's PID namespace.
 * @throws {AssertionError} When the journal has no confirm-wait record.
 */
export async function watchdogPid(lab: TestLab): Promise<number> {
  const wait = (await records(lab)).find((r) => r.kind === "confirm-wait");
  assert.ok(wait, "a confirm-wait record");
  return wait.watchdogPid as number;
}

/**
 * `ps`'s state letter of a process of the lab.
 * @param lab The lab.
 * @param pid Its PID in the lab.
 * @returns e.g. `T` (stopped), `Z`; `""` when there is none.
 */
export const psState = async (lab: TestLab, pid: number) =>
  (await lab.sh(["ps", "-o", "stat=", "-p", String(pid)])).stdout.trim().slice(0, 1);

/**
 * Runs netns `name` with a confirmation window of `seconds` and stops its watchdog (SIGSTOP), waiting (bounded)
 * until it is stopped.
 * @param lab The lab.
 * @param name The namespace.
 * @param seconds The window.
 * @returns The run's deadline (ms since the epoch) and the watchdog's PID.
 */
export async function runAndStop(
  lab: TestLab,
  name: string,
  seconds: number,
): Promise<{ deadline: number; pid: number }> {
  const r = await lab.nsrecipe(["--json", "run", "netns", "--name", name, "--confirm", String(seconds), "--", "true"]);
  assertExit(r, 0, `run ${name}`);
  const deadline = Date.parse(JSON.parse(r.stdout).confirmation.deadline);
  const pid = await watchdogPid(lab);
  assertExit(await lab.sh(["kill", "-STOP", String(pid)]), 0, "kill -STOP");
  await waitFor("the watchdog to stop", async () => await psState(lab, pid) === "T");
  return { deadline, pid };
}

/**
 * Takes the journal's lock (flock(1) on the same file as nsrecipe's flock(2)) inside the lab and holds it until
 * `release`: every nsrecipe that needs the lock meanwhile waits for it.
 */
export async function holdJournalLock(lab: TestLab): Promise<{ release: () => Promise<void> }> {
  const [program, ...args] = [
    ...lab.enter,
    "flock",
    `${STATE}/${LOCK_FILE}`,
    "sh",
    "-c",
    "echo held; exec cat",
  ];
  const holder = new Deno.Command(program, { args, stdin: "piped", stdout: "piped", stderr: "inherit" }).spawn();
  const reader = holder.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const first = await reader.read();
  assert.equal(first.value?.trim(), "held", "flock(1) took the journal's lock");
  return {
    release: async () => {
      await holder.stdin.close();
      await reader.cancel();
      assert.equal((await holder.status).code, 0);
    },
  };
}
