/**
 * Signals sent to `nsrecipe run` at chosen points of its apply (and of its
 * rollback), and what the run left behind: for the N18 tests.
 *
 * A point is held with the fault hook's `stop@PHASE:INDEX` (src/engine/faults.ts): nsrecipe sends itself
 * SIGSTOP there. The signals under test are then sent to it by PID; they stay pending while it is stopped and are
 * delivered when it goes on (signal(7)), i.e. at exactly that point.
 *
 * nsenter(1), which runs nsrecipe inside the lab, stops itself when its child stops and continues the child only
 * once it is continued itself (util-linux, `continue_as_child`): a SIGCONT to nsrecipe alone leaves nsenter stopped
 * for ever, never reaping nsrecipe, and the test waiting for nsenter's exit hangs. So each hold is awaited as
 * nsenter's own stop (it stops only after nsrecipe did, and nsrecipe stays stopped until nsenter continues it), and
 * released by a SIGCONT to nsenter.
 *
 * @module
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { FAULT_ARMING, FAULT_ENV } from "../../src/engine/mod.ts";
import { selfArgv } from "../../src/lab/mod.ts";
import type { TestLab } from "./lab.ts";
import { waitFor } from "./wait.ts";

/** A journal record, as far as these tests read it. */
export type Rec = { kind: string; run: string; pid?: number; index?: number; state?: string; how?: string };

/**
 * The lab's journal, read as a file (lock-free, like `nsrecipe journal`).
 * @param lab The lab.
 * @returns Its records, oldest first; `[]` before the first.
 */
export async function records(lab: TestLab): Promise<Rec[]> {
  const text = await Deno.readTextFile(`/proc/${lab.pid}/root/run/nsrecipe/journal.jsonl`).catch(() => "");
  return text.split("\n").filter((l) => l.startsWith("{") && l.endsWith("}")).map((l) => JSON.parse(l) as Rec);
}

/** The state letter of a host process (proc(5), /proc/PID/stat field 3), e.g. `T` when stopped. */
async function stateOf(pid: number): Promise<string> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => "");
  return stat.replace(/^.*\) /, "").charAt(0);
}

/** One hold of {@link interruptAt}: where nsrecipe stops, and the signals it is sent there. */
export interface Hold {
  /** The fault hook's point, e.g. `after-command:0`, `step:6`, `undo:2`. */
  at: string;
  /** Signals sent to nsrecipe while it is held there, in order, e.g. `["SIGINT"]`. */
  signals: Deno.Signal[];
}

/** What the interrupted run did. */
export interface Interrupted {
  /** nsrecipe's exit code (through nsenter(1)). */
  code: number;
  /** What it printed on stderr. */
  stderr: string;
  /** Its run id (from the journal). */
  run: string;
  /** The indices of the steps the journal records, per record kind. */
  steps: (kind: string) => number[];
  /** The states of its `run-end` records. */
  ends: string[];
}

/**
 * Runs `nsrecipe ARGS` in the lab, holds it at each point in turn, sends it the signals there, and lets it go on.
 * Every wait is bounded.
 * @param lab The lab.
 * @param args nsrecipe's arguments, e.g. `["run", "veth-bridge", "--name", "i1", "--", "true"]`.
 * @param holds The points, in the order nsrecipe reaches them.
 * @returns What the run did.
 * @throws {Error} When a hold is not reached, or nsrecipe does not end, within 90 s.
 */
export async function interruptAt(lab: TestLab, args: string[], holds: Hold[]): Promise<Interrupted> {
  // `holdN`: once continued, nsrecipe goes on only after its listeners saw the N signals sent at that point.
  const faults = holds.map((h) => `${h.signals.length ? `hold${new Set(h.signals).size}` : "stop"}@${h.at}`).join(",");
  const child = lab.spawn(["env", `${FAULT_ENV}=${FAULT_ARMING}${faults}`, ...selfArgv(), ...args]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    for (const hold of holds) {
      // After the SIGCONT of the previous hold nsenter runs; stopped again, it is at this hold.
      await waitFor(`nsrecipe to be held at ${hold.at}`, async () => (await stateOf(child.pid)) === "T", 90_000);
      const pid = (await records(lab)).find((r) => r.kind === "run-begin")?.pid;
      if (!pid) throw new Error(`held at ${hold.at}, but the journal has no run-begin with nsrecipe's PID`);
      for (const s of hold.signals) {
        const sent = await lab.sh(["kill", `-${s.replace(/^SIG/, "")}`, String(pid)]);
        if (sent.code !== 0) throw new Error(`kill -${s} ${pid}: ${sent.stderr}`);
      }
      Deno.kill(child.pid, "SIGCONT");
    }
    const out = await Promise.race([
      child.output(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("nsrecipe did not end within 90 s")), 90_000);
      }),
    ]);
    const recs = await records(lab);
    const run = recs.find((r) => r.kind === "run-begin")?.run ?? "";
    return {
      code: out.code,
      stderr: new TextDecoder().decode(out.stderr),
      run,
      steps: (kind) => recs.filter((r) => r.kind === kind && r.run === run).map((r) => r.index!),
      ends: recs.filter((r) => r.kind === "run-end" && r.run === run).map((r) => r.state!),
    };
  } finally {
    clearTimeout(timer);
    try {
      child.kill("SIGKILL"); // only when it is still there (a failed wait): it has exited otherwise
      await child.status;
    } catch {
      // it had exited
    }
  }
}

/**
 * Asserts that a run stopped by a signal rolled back: exit 4, both lines of its words, and its journal: steps
 * 0…done-1 begun, done and undone, none failed, one `run-end` `rolled-back`.
 * @param r The run's exit code, id, steps per record kind and ends.
 * @param out What it printed (stderr, or a terminal's output).
 * @param signal The signal, e.g. `SIGINT`.
 * @param done How many steps were done when it stopped (the step or batch in flight included).
 * @param total How many steps the plan has (veth-bridge 12, full-migrate 20).
 * @throws {AssertionError} When any of these differs.
 */
export function assertRolledBackOnSignal(
  r: Pick<Interrupted, "code" | "run" | "steps" | "ends">,
  out: string,
  signal: string,
  done: number,
  total: number,
): void {
  assert.equal(r.code, EXIT.rolledBack, out);
  assert.match(out, new RegExp(`Interrupted \\(${signal}\\): rolling back run ${r.run} once the step in progress`));
  assert.match(
    out,
    new RegExp(
      `Run ${r.run} was rolled back: the host is as it was \\(interrupted by ${signal} after step ${done} of ${total}\\)`,
    ),
  );
  const steps = [...Array(done).keys()];
  assert.deepEqual(r.steps("step-intent"), steps, "no step begun after the signal");
  assert.deepEqual(r.steps("step-done"), steps, "the step in flight was finished and recorded");
  assert.deepEqual(r.steps("step-failed"), []);
  assert.deepEqual([...r.steps("step-undone")].sort((a, b) => a - b), steps, "every step done was rolled back");
  assert.deepEqual(r.ends, ["rolled-back"]);
}
