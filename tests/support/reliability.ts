/**
 * Shared pieces of the reliability tests: the scenario table every
 * kill/fail loop runs over, the fault hook's environment, the journal as it
 * is on disk, and snapshot assertions.
 *
 * @module
 */
import assert from "node:assert/strict";
import { FAULT_ARMING, FAULT_ENV } from "../../src/engine/mod.ts";
import type { ExecResult } from "../../src/exec/mod.ts";
import type { Snapshot } from "../../src/host/mod.ts";
import { applyGroups } from "../../src/engine/apply_batch.ts";
import type { Step } from "../../src/steps/mod.ts";
import { foldRuns, isOpen, type JournalRecord, type ParsedJournal, type RunEndRecord } from "../../src/journal/mod.ts";
import { parseJournal } from "./journal_text.ts";
import { WATCHDOG_COMMAND } from "../../src/cli/hidden.ts";
import { snapshotDiff, type TestLab } from "./lab.ts";
import { waitFor } from "./wait.ts";

/** A recipe invocation the loops exercise: `run RECIPE ...args`. */
export interface Scenario {
  recipe: string;
  args: string[];
}

/**
 * Every recipe with steps, as the loops run it. Adding a recipe to the
 * reliability loops is one line here, e.g.
 * `{ recipe: "veth-bridge", args: ["--name", "k2"] }`.
 */
export const SCENARIOS: readonly Scenario[] = [
  { recipe: "netns", args: ["--name", "k1"] },
  { recipe: "veth-bridge", args: ["--name", "k2"] },
  { recipe: "full-migrate", args: ["--name", "k3", "--address", "198.51.100.50/24"] },
];

/**
 * The environment that arms the fault hook.
 * @param faults One or more `ACTION@PHASE:INDEX`.
 * @returns `{ NSRECIPE_TEST_FAULT: "i-understand-…:…" }`.
 */
export function fault(...faults: string[]): Record<string, string> {
  return { [FAULT_ENV]: FAULT_ARMING + faults.join(",") };
}

/** SIGKILL as the exit code a killed nsrecipe shows through nsenter (128 + 9). */
export const KILLED = 137;

/** What the loops need of a scenario's plan. */
export interface PlanShape {
  /** The step summaries, in plan order (their number is the number of steps). */
  summaries: string[];
  /** Which steps run together as one `ip -batch`: groups of step indexes, in plan order, covering every step once. */
  groups: number[][];
}

/**
 * A scenario's plan, from one `nsrecipe --json plan` inside the lab (so the
 * loops follow the recipe as it is written): its step summaries, and its
 * batches (`applyGroups` of its steps).
 * @param lab A clean lab.
 * @param s The scenario.
 * @returns Summaries and batches.
 * @throws {AssertionError} When the plan fails.
 */
export async function readPlan(lab: TestLab, s: Scenario): Promise<PlanShape> {
  const r = await lab.nsrecipe(["--json", "plan", s.recipe, ...s.args]);
  assert.equal(r.code, 0, r.stderr);
  const steps = JSON.parse(r.stdout).steps as { summary: string; step: Step }[];
  return { summaries: steps.map((x) => x.summary), groups: applyGroups(steps.map((x) => x.step)) };
}

/**
 * Reads the journal file as it is on disk (not through nsrecipe, which cuts
 * off a torn tail when it opens it).
 * @param lab The lab.
 * @param dir The state directory.
 * @returns The raw text, `""` when missing.
 */
export async function journalText(lab: TestLab, dir = "/run/nsrecipe"): Promise<string> {
  return await lab.readFile(`${dir}/journal.jsonl`) ?? "";
}

/**
 * The journal on disk, parsed.
 * @param lab The lab.
 * @param dir The state directory.
 * @returns Records and problems.
 */
export async function journalOf(lab: TestLab, dir = "/run/nsrecipe"): Promise<ParsedJournal> {
  return parseJournal(await journalText(lab, dir));
}

/**
 * Writes the journal file by hand (a forged or damaged journal).
 * @param lab The lab.
 * @param text The whole file.
 * @param dir The state directory (created 0700 if missing).
 */
export async function writeJournal(lab: TestLab, text: string, dir = "/run/nsrecipe"): Promise<void> {
  const r = await lab.sh(["sh", "-c", 'mkdir -p -m 0700 "$1" && cat > "$1/journal.jsonl"', "sh", dir], text);
  assert.equal(r.code, 0, r.stderr);
}

/**
 * The records of one run, as `kind` or `kind#index` strings, e.g.
 * `["run-begin", "step-intent#0", "step-done#0", …]`.
 * @param records Journal records.
 * @param run The run id, or `undefined` for the only run there is.
 * @returns The sequence.
 */
export function sequence(records: readonly JournalRecord[], run?: string): string[] {
  const id = run ?? records[0]?.run;
  return records.filter((r) => r.run === id).map((r) => "index" in r ? `${r.kind}#${r.index}` : r.kind);
}

/**
 * The end state of a run: the `state` of its last run-end record.
 * @param records Journal records.
 * @param run The run id, or `undefined` for the newest run-end of any run.
 * @returns e.g. `rolled-back`, or `undefined` when the run has no end.
 */
export function endState(records: readonly JournalRecord[], run?: string): string | undefined {
  const ends = records.filter((r): r is RunEndRecord => r.kind === "run-end");
  return ends.filter((r) => run === undefined || r.run === run).at(-1)?.state;
}

/**
 * Asserts that a journal leaves nsrecipe nothing to undo, from the journal on
 * disk, with the functions nsrecipe itself decides by: it reads cleanly
 * (no problem, so no torn tail for the next writer to cut), every record
 * belongs to a run it can read (`foldRuns` reports no orphan problem, which
 * would make `undo` refuse, `loadRuns` in `src/engine/undo.ts`), and no run is
 * open (`isOpen`). From that journal a second `undo` prints "Nothing to undo"
 * (it acts on the newest open run, `selectRuns`, and on expired windows of
 * open runs only) and `status` "No applied runs" (it shows the open runs), so
 * a loop case need not start either to know it; what they print then is
 * tested once each, end to end (`exit_codes_test.ts`, `netns_test.ts`,
 * `reliability_journal_test.ts`).
 * @param journal The journal on disk, parsed ({@link journalOf}).
 * @param what What happened before, for the message.
 */
export function assertNothingOpen(journal: ParsedJournal, what: string): void {
  assert.deepEqual(journal.problems, [], `${what}: the journal reads cleanly`);
  const { runs, orphanProblems } = foldRuns(journal);
  assert.deepEqual(orphanProblems, [], `${what}: every record belongs to a run`);
  assert.ok(runs.length > 0, `${what}: the journal holds the run`);
  const open = runs.filter(isOpen).map((r) => `${r.id} (${r.state})`);
  assert.deepEqual(open, [], `${what}: no run is left open, so a second undo has nothing to do`);
}

/**
 * Asserts two snapshots are equal, printing their difference otherwise.
 * @param after The snapshot now.
 * @param before The snapshot taken before the run.
 * @param what What happened in between, for the message.
 */
export function assertSameHost(after: Snapshot, before: Snapshot, what: string): void {
  assert.deepEqual(after, before, `${what}: the host differs from before:\n${snapshotDiff(before, after)}`);
}

/**
 * Asserts an exit code, showing the command's output when it differs.
 * @param r The result.
 * @param code The expected code.
 * @param what What ran, for the message.
 */
export function assertExit(r: ExecResult, code: number, what: string): void {
  assert.equal(r.code, code, `${what}: exit ${r.code}, expected ${code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

/**
 * Asserts that a lab has no netns left from a scenario: `/run/netns` holds
 * the lab's own LAN namespaces only. Read from the host through the lab's
 * root (`TestLab.file`), no process: the entries of the lab's `/run/netns`
 * are the names `ip netns list` prints (ip-netns(8): a named netns is a file
 * there, bind-mounted on the namespace).
 * @param lab The lab.
 */
export async function assertNoNetnsLeft(lab: TestLab): Promise<void> {
  const names: string[] = [];
  for await (const e of Deno.readDir(lab.file("/run/netns"))) names.push(e.name);
  assert.deepEqual(names.sort(), ["lab-lan", "lab-lanhost"]);
}

/**
 * The confirm-window watchdogs in a lab (`nsrecipe __watchdog RUN DEADLINE`)
 * whose run has exited: orphaned in the lab, each is a child of the lab's
 * PID 1 (zombies left out: a dead watchdog holds nothing, and the lab's PID 1
 * does not reap it).
 * @param lab The lab.
 * @returns Their PIDs inside the lab's PID namespace.
 */
export async function watchdogPids(lab: TestLab): Promise<string[]> {
  return (await lab.orphans()).filter((p) => p.argv.includes(WATCHDOG_COMMAND)).map((p) => String(p.labPid));
}

/**
 * Ends the confirm-window watchdogs left in a lab (`nsrecipe __watchdog RUN
 * DEADLINE`, started by `run` for full-migrate's default 120 s window), by
 * PID, and waits until they are dead. A watchdog ends by itself within about
 * a second once its run is undone or confirmed (it reads the journal every
 * second), but not before: a run killed before its window was recorded keeps
 * it until the provisional deadline. A fresh lab per case ended it by
 * stopping the lab; a shared lab must end it before the next case, or it
 * could wake later and act on that case's journal. Call it after the case's
 * assertions.
 * @param lab The lab.
 * @returns The PIDs ended (inside the lab's PID namespace).
 */
export async function endWatchdogs(lab: TestLab): Promise<string[]> {
  const pids = await watchdogPids(lab);
  if (pids.length === 0) return [];
  await lab.sh(["kill", "-KILL", ...pids]);
  // Dead once gone or a zombie (the lab's PID 1 does not reap).
  await waitFor(
    `watchdogs ${pids.join(", ")} to end`,
    async () => !(await lab.orphans()).some((p) => pids.includes(String(p.labPid)) && p.state !== "Z"),
  );
  return pids;
}
