import assert from "node:assert/strict";
import { readerFor, runnerFor } from "../../src/cli/composition_root.ts";
import { earlyReader } from "../../src/cli/early_reads.ts";
import { catchEarlyStop } from "../../src/cli/interrupt.ts";
import { Output } from "../../src/cli/output.ts";
import { CommandError, InterruptedError } from "../../src/errors.ts";
import type { Runner } from "../../src/exec/mod.ts";

/** proc(5) `/proc/PID/stat` of a process: its pid and its session (fields 1 and 6; `comm` has no space here). */
function pidAndSession(stat: string): { pid: string; session: string } {
  const fields = stat.replace(/^(\d+) \(.*\) /, "$1 ").split(" ");
  return { pid: fields[0], session: fields[4] };
}

Deno.test("earlyReader (run's reads before the run-begin record) starts its commands in nsrecipe's session; runnerFor's (from that record on) lead their own", async () => {
  const out = new Output(false, false, false);
  const early = catchEarlyStop("nsrecipe plan netns --name web");
  try {
    const ours = pidAndSession(await Deno.readTextFile("/proc/self/stat"));
    const read = pidAndSession((await earlyReader(readerFor(out))(["cat", "/proc/self/stat"])).stdout);
    assert.equal(read.session, ours.session);
    assert.notEqual(read.pid, read.session);
    const change = pidAndSession((await runnerFor(out)(["cat", "/proc/self/stat"])).stdout);
    assert.equal(change.session, change.pid);
  } finally {
    early.dispose();
  }
});

Deno.test("earlyReader: a read that died of SIGHUP (a stop signal, as SIGINT and SIGTERM) ends only once nsrecipe's listener has seen the signal, and early.within says the interruption, not the failed read", async () => {
  const early = catchEarlyStop("nsrecipe plan netns --name web");
  try {
    // (Not SIGINT: the test runner acts on it.) The read's end is seen before the signal reaches the listener (Deno hands it over from a thread of its own).
    const killed: Runner = (argv) => {
      Deno.kill(Deno.pid, "SIGHUP");
      return Promise.reject(new CommandError(argv, 129, "", ""));
    };
    const failure = await early.within(() => earlyReader(killed)(["ip", "-V"])).catch((e) => e);
    assert.ok(failure instanceof InterruptedError, String(failure));
    assert.equal(failure.signal, "SIGHUP");
    assert.equal(failure.hint, "Run the recipe again when ready ('nsrecipe plan netns --name web' shows its steps).");
    assert.equal(early.requested(), "SIGHUP");
  } finally {
    early.dispose();
  }
});

Deno.test("early.within: a failed read with no signal received is that failure; a result is passed through", async () => {
  const early = catchEarlyStop("nsrecipe plan netns --name web");
  try {
    const failed = new CommandError(["ip", "-V"], 1, "Cannot open netlink socket", "");
    assert.equal(await early.within(() => Promise.reject(failed)).catch((e) => e), failed);
    assert.equal(await early.within(() => Promise.resolve(7)), 7);
    assert.equal(early.requested(), undefined);
  } finally {
    early.dispose();
  }
});
