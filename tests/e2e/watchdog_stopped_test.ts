/**
 * A confirm watchdog stopped (SIGSTOP) past its deadline (finding H4): it
 * counts as at work for a grace period, then as failed: `status` (read-only)
 * says so, and the next command that changes things ends it and reverts the
 * unconfirmed run, as for a watchdog that is gone. (`confirm` past the grace
 * period: `watchdog_stopped_confirm_test.ts`, apart so that
 * `deno test --parallel` runs the two waits side by side.)
 */
import assert from "node:assert/strict";
import { STOPPED_GRACE_MS } from "../../src/cli/expired.ts";
import { withLab } from "../support/lab.ts";
import { assertExit, assertSameHost } from "../support/reliability.ts";
import { waitFor } from "../support/wait.ts";
import { psState, runAndStop } from "../support/watchdog_journal.ts";

Deno.test("stopped watchdog: within the grace period it is let be; past it, status says so and changes nothing, the next undo ends it and reverts the run", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const { deadline, pid } = await runAndStop(lab, "sw1", 2);
    await waitFor("the deadline to pass", () => Promise.resolve(Date.now() > deadline + 500), 30_000);
    const early = await lab.nsrecipe(["status"]);
    assertExit(early, 0, "status within the grace period");
    assert.doesNotMatch(early.stderr, /ending it/);
    // A watchdog stopped for less than the grace counts as at work: the revert is due, not "NOT reverted" (held for
    // a confirm started by the deadline for 3 s, then at work on it: which one depends on when status reads).
    assert.match(early.stdout, /^sw1\s+netns\s+confirmation expired, reverting\s/m);
    assert.match(
      early.stderr,
      new RegExp(
        `^sw1: note: confirmation expired at \\d\\d:\\d\\d:\\d\\d, reverting: its watchdog \\(pid ${pid}\\) ` +
          "(reverts it at \\d\\d:\\d\\d:\\d\\d \\(held until then|is at work on it \\(waiting for the lock)",
        "m",
      ),
    );
    assert.doesNotMatch(early.stdout + early.stderr, /NOT reverted/);
    assert.equal(await psState(lab, pid), "T", "a watchdog stopped within the grace period is let be");
    assert.match((await lab.sh(["ip", "netns", "list"])).stdout, /^sw1\b/m);
    await waitFor(
      "the grace period to pass",
      () => Promise.resolve(Date.now() > deadline + STOPPED_GRACE_MS + 500),
      60_000,
    );
    // status only reads (P21): it names the stopped watchdog and what reverts the run, and ends nothing.
    const look = await lab.nsrecipe(["status"]);
    assertExit(look, 0, "status past the grace period");
    assert.match(look.stdout, /^sw1\s+netns\s+confirmation expired, NOT reverted\s/m);
    assert.match(
      look.stderr,
      new RegExp(
        `^sw1: note: confirmation expired at \\d\\d:\\d\\d:\\d\\d, NOT reverted: its watchdog \\(pid ${pid}\\) is stopped \\(SIGSTOP\\), so nothing reverts it: 'nsrecipe undo sw1' does \\(ending the watchdog\\), as does the next 'nsrecipe run', 'confirm' or 'undo'$`,
        "m",
      ),
    );
    assert.doesNotMatch(look.stderr, /ending it/);
    assert.equal(await psState(lab, pid), "T", "status ends no watchdog");
    assert.match((await lab.sh(["ip", "netns", "list"])).stdout, /^sw1\b/m, "status reverts nothing");
    const late = await lab.nsrecipe(["undo", "sw1"]);
    assertExit(late, 0, "undo past the grace period");
    assert.match(late.stdout, /^Nothing more to undo\.$/m);
    assert.match(
      late.stderr,
      new RegExp(
        `The watchdog \\(pid ${pid}\\) of run \\S+ \\(sw1\\) is stopped, \\d+ s past the deadline \\d\\d:\\d\\d:\\d\\d: ending it \\(SIGKILL\\)`,
      ),
    );
    assert.match(late.stderr, /Run \S+ was undone\./);
    assert.doesNotMatch((await lab.sh(["ip", "netns", "list"])).stdout, /sw1/);
    assert.match(await psState(lab, pid), /^(Z|)$/, "the stopped watchdog was ended");
    assertSameHost(await lab.snapshot(), before, "after the revert");
  });
});
