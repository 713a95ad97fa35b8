import assert from "node:assert/strict";
import { readerFor, runnerFor } from "../../src/cli/composition_root.ts";
import { Output } from "../../src/cli/output.ts";

/** proc(5) `/proc/PID/stat` of a process: its pid and its session (fields 1 and 6; `comm` has no space here). */
function pidAndSession(stat: string): { pid: string; session: string } {
  const fields = stat.replace(/^(\d+) \(.*\) /, "$1 ").split(" ");
  return { pid: fields[0], session: fields[4] };
}

Deno.test("readerFor: the commands of a read-only command (status, plan, doctor) stay in nsrecipe's session, runnerFor's lead their own", async () => {
  const out = new Output(false, false, false);
  const ours = pidAndSession(await Deno.readTextFile("/proc/self/stat"));
  const read = pidAndSession((await readerFor(out)(["cat", "/proc/self/stat"])).stdout);
  assert.equal(read.session, ours.session, "a reader's command is in nsrecipe's session");
  assert.notEqual(read.pid, read.session);
  const changing = pidAndSession((await runnerFor(out)(["cat", "/proc/self/stat"])).stdout);
  assert.equal(changing.session, changing.pid, "runnerFor's command leads a session of its own");
});
