/**
 * The fault hook that the kill and fail loops (`tests/e2e/faults/`, bodies in
 * `tests/support/fault_loops.ts`) rely on is off unless armed.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { withLab } from "../support/lab.ts";
import { assertExit, assertSameHost, fault } from "../support/reliability.ts";

Deno.test("the fault hook is off unless armed: a value without the arming prefix changes nothing, a malformed armed one is a usage error before any change", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const unarmed = await lab.nsrecipe(["run", "netns", "--name", "f1"], {
      NSRECIPE_TEST_FAULT: "kill@after-intent:0",
    });
    assertExit(unarmed, 0, "run with an unarmed fault");
    assertExit(await lab.nsrecipe(["undo"]), 0, "undo");
    assertSameHost(await lab.snapshot(), before, "run and undo");
    for (const bad of ["explode@step:0", "fail@after-done:0", "kill@step:x"]) {
      const r = await lab.nsrecipe(["run", "netns", "--name", "f2"], fault(bad));
      assertExit(r, EXIT.usage, `armed but malformed '${bad}'`);
      assert.match(r.stderr, /NSRECIPE_TEST_FAULT/);
      assertSameHost(await lab.snapshot(), before, `malformed fault '${bad}'`);
    }
  });
});
