/**
 * `status` while the watchdog's revert is under way (newcomer report): what
 * the revert has removed already is its own work, not drift. The run reads
 * "confirmation expired, reverting" with how far the revert got, and one note
 * says how many differences are not shown as drift; no drift line. The
 * watchdog is stopped part way (fault `stop@after-undo:3`, inherited from the
 * run that starts it) and looked at within its 10 s grace, then let go.
 */
import assert from "node:assert/strict";
import { withLab } from "../support/lab.ts";
import { assertExit } from "../support/reliability.ts";
import { waitFor } from "../support/wait.ts";
import { ended, psState, waitForSnapshot, watchdogPid } from "../support/watchdog_journal.ts";

Deno.test("status during the watchdog's revert: 'confirmation expired, reverting', how far it got, and no drift line for what the revert removed", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const run = await lab.nsrecipe(["run", "veth-bridge", "--name", "w", "--confirm", "2", "--", "true"], {
      NSRECIPE_TEST_FAULT: "i-understand-this-breaks-nsrecipe:stop@after-undo:3",
    });
    assertExit(run, 0, "run");
    const pid = await watchdogPid(lab);
    await waitFor("the watchdog to stop part way through its revert", async () => await psState(lab, pid) === "T");
    const st = await lab.nsrecipe(["status", "w"]);
    assertExit(st, 0, "status w");
    assert.match(st.stdout, /^ {2}state: +confirmation expired, reverting$/m);
    assert.match(st.stdout, /reverting: the revert is under way, 9 of 12 steps undone so far/);
    assert.match(
      st.stdout,
      /^ {2}note: +3 difference\(s\) from the run's steps not shown as drift: its revert is under way$/m,
    );
    assert.doesNotMatch(st.stdout, /^ {2}drift:/m);
    assertExit(await lab.sh(["kill", "-CONT", String(pid)]), 0, "kill -CONT");
    await waitForSnapshot(lab, before, "the watchdog's revert to finish");
    await waitFor("the revert to be recorded", async () => (await ended(lab)) === "undone", 30_000);
  });
});
