import assert from "node:assert/strict";
import { assertRolledBackOnSignal, interruptAt } from "../support/interrupt.ts";
import { snapshotDiff, withLab } from "../support/lab.ts";

// N18: a SIGINT, SIGTERM or SIGHUP while `run veth-bridge` (12 steps) applies finishes the step in flight (steps run
// as one ip -batch are in flight together), rolls back every step done, says so and exits 4, the host as before. Holds:
// src/engine/faults.ts (`step` is before the step's command, `after-command` after it, before its check and its done
// record).

const RUN = ["run", "veth-bridge", "--name", "i1", "--", "true"];

const CASES: { signal: Deno.Signal; at: string; done: number; when: string }[] = [
  // Steps 1–8 (the host's side) run as one ip -batch, steps 9–12 (the namespace's) as another: the batch in flight
  // is finished.
  { signal: "SIGINT", at: "after-command:0", done: 8, when: "during step 1 (in one ip -batch with steps 2–8)" },
  { signal: "SIGTERM", at: "after-done:7", done: 8, when: "between the host's batch and the namespace's" },
  { signal: "SIGHUP", at: "after-command:11", done: 12, when: "during the last step" },
];

for (const { signal, at, done, when } of CASES) {
  Deno.test(`veth-bridge: ${signal} ${when} finishes that step, rolls back all ${done}, exit 4, the host as before`, async () => {
    await withLab(async (lab) => {
      const before = await lab.snapshot();
      const r = await interruptAt(lab, RUN, [{ at, signals: [signal] }]);
      assertRolledBackOnSignal(r, r.stderr, signal, done, 12);
      // The hint names the interrupted run's own plan line (not 'nsrecipe plan RECIPE').
      assert.ok(
        r.stderr.endsWith(
          "\n  Run the recipe again when ready ('nsrecipe plan veth-bridge --name i1' shows its steps).\n",
        ),
        r.stderr,
      );
      const after = await lab.snapshot();
      assert.deepEqual(after, before, snapshotDiff(before, after));
    });
  });
}

Deno.test("veth-bridge: a second signal during the rollback is ignored, with a line saying so; the rollback completes", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    // SIGINT before step 6's command (its batch, steps 1–8, is finished); SIGTERM while step 3 (index 2) is being
    // rolled back.
    const r = await interruptAt(lab, RUN, [{ at: "step:5", signals: ["SIGINT"] }, {
      at: "undo:2",
      signals: ["SIGTERM", "SIGINT"],
    }]);
    assertRolledBackOnSignal(r, r.stderr, "SIGINT", 8, 12);
    assert.match(r.stderr, new RegExp(`SIGTERM ignored: the rollback of run ${r.run} goes on`));
    assert.match(r.stderr, new RegExp(`SIGINT ignored: the rollback of run ${r.run} goes on`));
    const after = await lab.snapshot();
    assert.deepEqual(after, before, snapshotDiff(before, after));
  });
});
