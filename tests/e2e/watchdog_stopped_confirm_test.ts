/**
 * A confirm watchdog stopped (SIGSTOP) past its deadline (finding H4), and
 * `confirm` once its grace period is over: the run is reverted first and
 * `confirm` says it is too late (see `watchdog_stopped_test.ts` for the
 * grace period, `status` and `undo`).
 */
import assert from "node:assert/strict";
import { STOPPED_GRACE_MS } from "../../src/cli/expired.ts";
import { EXIT } from "../../src/errors.ts";
import { withLab } from "../support/lab.ts";
import { assertSameHost } from "../support/reliability.ts";
import { waitFor } from "../support/wait.ts";
import { runAndStop } from "../support/watchdog_journal.ts";

Deno.test("stopped watchdog: past the grace period, 'confirm' reverts the run first and says it is too late (exit 3)", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const { deadline, pid } = await runAndStop(lab, "sw2", 1);
    await waitFor(
      "the grace period to pass",
      () => Promise.resolve(Date.now() > deadline + STOPPED_GRACE_MS + 500),
      60_000,
    );
    const c = await lab.nsrecipe(["confirm", "sw2"]);
    assert.equal(c.code, EXIT.precondition, c.stderr);
    assert.match(c.stderr, new RegExp(`The watchdog \\(pid ${pid}\\) of run \\S+ \\(sw2\\) is stopped`));
    assert.match(c.stderr, /Too late: .*has been reverted/s);
    assert.doesNotMatch((await lab.sh(["ip", "netns", "list"])).stdout, /sw2/);
    assertSameHost(await lab.snapshot(), before, "after the revert");
  });
});
