import assert from "node:assert/strict";
import { recordingRunner } from "../../src/exec/mod.ts";
import { parseProcStat, processState, readProcStat } from "../../src/cli/process_stat.ts";

/** A /proc/PID/stat line (proc(5)) with the given command name, state and start time (field 22). */
const stat = (pid: number, comm: string, state: string, start: number) =>
  `${pid} (${comm}) ${state} 1 ${pid} ${pid} 0 -1 4194560 120 0 0 0 2 1 0 0 20 0 1 0 ${start} 1234567 89 ` +
  "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";

Deno.test("parseProcStat reads the state and the start time (field 22), counting from the last ')' of a command name with spaces and parentheses", () => {
  assert.deepEqual(parseProcStat(stat(412, "deno", "S", 987654)), { state: "S", startTime: 987654 });
  assert.deepEqual(parseProcStat(stat(7, "a) b (c", "R", 42)), { state: "R", startTime: 42 });
  assert.equal(parseProcStat("no parentheses here"), undefined);
  assert.equal(parseProcStat("7 (short) S 1 7"), undefined, "too few fields: no start time");
});

Deno.test("processState: the watchdog's PID given to another process since (another start time) is not the watchdog; the same start time is", async () => {
  const { run, calls } = recordingRunner(() => ({ stdout: stat(412, "sleep", "S", 5000) }));
  assert.equal(await processState(run, 412, 4000), "gone", "a reused PID");
  assert.equal(await processState(run, 412, 5000), "alive", "the very process");
  assert.equal(
    await processState(run, 412),
    "alive",
    "no start time recorded (an earlier version's journal): the PID alone",
  );
  assert.deepEqual(calls.map((c) => c.argv), Array(3).fill(["cat", "/proc/412/stat"]));
});

Deno.test("processState: a zombie or dead process, a missing /proc entry and a PID that is not positive are gone", async () => {
  const zombie = recordingRunner(() => ({ stdout: stat(9, "nsrecipe", "Z", 100) }));
  assert.equal(await processState(zombie.run, 9, 100), "gone");
  const dead = recordingRunner(() => ({ stdout: stat(9, "nsrecipe", "X", 100) }));
  assert.equal(await processState(dead.run, 9, 100), "gone");
  const gone = recordingRunner(() => ({ code: 1, stderr: "cat: /proc/9/stat: No such file or directory" }));
  assert.equal(await processState(gone.run, 9, 100), "gone");
  assert.equal(await readProcStat(gone.run, 9), undefined);
  const none = recordingRunner();
  assert.equal(await processState(none.run, 0), "gone");
  assert.equal(none.calls.length, 0, "PID 0 is not looked up");
});

Deno.test("processState: a process stopped by a signal (T) or a tracer (t) is stopped; running or sleeping is alive", async () => {
  for (const [state, want] of [["T", "stopped"], ["t", "stopped"], ["S", "alive"], ["R", "alive"], ["D", "alive"]]) {
    const { run } = recordingRunner(() => ({ stdout: stat(9, "nsrecipe", state, 100) }));
    assert.equal(await processState(run, 9, 100), want, `state ${state}`);
  }
  const reused = recordingRunner(() => ({ stdout: stat(9, "other", "T", 200) }));
  assert.equal(await processState(reused.run, 9, 100), "gone", "a stopped process given the PID since is not it");
});
