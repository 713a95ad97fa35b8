/**
 * Signals during `undo` (finding H14): SIGINT (Ctrl-C), SIGTERM and SIGHUP (a
 * lost SSH session) no longer end it half way, the host half switched back:
 * each is ignored with a line saying so, and the undo goes on to the end.
 */
import assert from "node:assert/strict";
import { FAULT_ARMING, FAULT_ENV } from "../../src/engine/mod.ts";
import { selfArgv } from "../../src/lab/mod.ts";
import { records } from "../support/interrupt.ts";
import { snapshotDiff, type TestLab, withLab } from "../support/lab.ts";
import { assertExit } from "../support/reliability.ts";
import { waitFor } from "../support/wait.ts";

/** The state letter of a host process (proc(5), field 3), e.g. `T` when stopped. */
async function stateOf(pid: number): Promise<string> {
  const stat = await Deno.readTextFile(`/proc/${pid}/stat`).catch(() => "");
  return stat.replace(/^.*\) /, "").charAt(0);
}

/**
 * Runs `nsrecipe undo` in the lab held (SIGSTOP, the fault hook's `holdN@undo:INDEX`) before step INDEX's inverse,
 * sends nsrecipe `signals` there (pending until it goes on, signal(7)), and lets it go on; see
 * tests/support/interrupt.ts for why nsenter is what is continued.
 * @returns nsrecipe's exit code and stderr.
 */
async function undoInterrupted(
  lab: TestLab,
  index: number,
  signals: Deno.Signal[],
): Promise<{ code: number; stderr: string }> {
  // `holdN`: once continued, undo goes on only after its listeners saw the N signals (else it could end first).
  const hold = `hold${new Set(signals).size}@undo:${index}`;
  const child = lab.spawn(["env", `${FAULT_ENV}=${FAULT_ARMING}${hold}`, ...selfArgv(), "undo"]);
  try {
    await waitFor(`undo to be held at step ${index}`, async () => (await stateOf(child.pid)) === "T", 90_000);
    const children = (await Deno.readTextFile(`/proc/${child.pid}/task/${child.pid}/children`)).trim().split(/\s+/);
    assert.equal(children.length, 1, `nsenter has one child, nsrecipe: ${children}`);
    for (const s of signals) Deno.kill(Number(children[0]), s);
    Deno.kill(child.pid, "SIGCONT");
    const out = await child.output();
    return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
  } finally {
    try {
      child.kill("SIGKILL"); // only when a wait failed: it has exited otherwise
      await child.status;
    } catch {
      // it had exited
    }
  }
}

const CASES: { recipe: string[]; index: number; signals: Deno.Signal[] }[] = [
  // full-migrate's switch back: step 12 lies in the uplink's switch (its addresses, routes, the enslaving).
  {
    recipe: ["full-migrate", "--name", "fm", "--address", "198.51.100.50/24", "--no-confirm"],
    index: 12,
    signals: ["SIGHUP", "SIGINT"],
  },
  { recipe: ["veth-bridge", "--name", "vb", "--address", "10.9.0.12/24"], index: 2, signals: ["SIGTERM"] },
];

for (const { recipe, index, signals } of CASES) {
  Deno.test(`undo of ${recipe[0]}: ${signals.join(" and ")} before step ${index}'s inverse are ignored, each with a line; the undo finishes (exit 0), the host as before`, async () => {
    await withLab(async (lab) => {
      const before = await lab.snapshot();
      assertExit(await lab.nsrecipe(["run", ...recipe]), 0, `run ${recipe[0]}`);
      const run = (await records(lab)).find((r) => r.kind === "run-begin")!.run;
      const label = recipe[2];
      const r = await undoInterrupted(lab, index, signals);
      assert.equal(r.code, 0, r.stderr);
      for (const s of signals) {
        assert.match(
          r.stderr,
          new RegExp(
            `${s} ignored: the undo of run ${run} \\(${label}\\) goes on to the end, since stopping it half way ` +
              "would leave the host half changed",
          ),
        );
      }
      const after = await lab.snapshot();
      assert.deepEqual(after, before, snapshotDiff(before, after));
      const again = await lab.nsrecipe(["undo"]);
      assertExit(again, 0, "second undo");
      assert.match(again.stdout, /Nothing to undo/);
    });
  });
}
