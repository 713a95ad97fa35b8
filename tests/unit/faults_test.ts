import assert from "node:assert/strict";
import { FAULT_ARMING, faultHook, InjectedFault, parseFault } from "../../src/engine/mod.ts";
import { UsageError } from "../../src/errors.ts";
import { recordingRunner } from "../../src/exec/mod.ts";

Deno.test("parseFault: unset, empty, or without the arming prefix: no fault at all", () => {
  for (const v of [undefined, "", "kill@after-intent:0", "i-understand:kill@step:0", ` ${FAULT_ARMING}kill@step:0`]) {
    assert.deepEqual(parseFault(v), [], String(v));
  }
});

Deno.test("parseFault: armed specs, one or several, with 0-based step indexes", () => {
  assert.deepEqual(parseFault(`${FAULT_ARMING}kill@after-intent:3`), [
    { action: "kill", phase: "after-intent", index: 3 },
  ]);
  assert.deepEqual(parseFault(`${FAULT_ARMING}fail@step:1,kill@after-revert:0`), [
    { action: "fail", phase: "step", index: 1 },
    { action: "kill", phase: "after-revert", index: 0 },
  ]);
  assert.deepEqual(parseFault(`${FAULT_ARMING}stop@prompt:0`), [{ action: "stop", phase: "prompt", index: 0 }]);
  assert.deepEqual(parseFault(`${FAULT_ARMING}hold2@undo:4,hold1@after-command:0`), [
    { action: "hold", phase: "undo", index: 4, signals: 2 },
    { action: "hold", phase: "after-command", index: 0, signals: 1 },
  ]);
});

Deno.test("parseFault: armed but malformed, or a fail where nothing can fail, is a usage error", () => {
  for (
    const bad of [
      "",
      "kill",
      "kill@step",
      "kill@nowhere:1",
      "boom@step:1",
      "kill@step:-1",
      "fail@after-done:0",
      "fail@prompt:0",
      "hold@step:1",
      "hold0@step:1",
      "hold4@step:1",
    ]
  ) {
    assert.throws(() => parseFault(FAULT_ARMING + bad), UsageError, bad);
  }
});

Deno.test("faultHook: fires only at the matching phase and index; kill sends SIGKILL to this process's pid", async () => {
  const { run, calls } = recordingRunner();
  const hook = faultHook(parseFault(`${FAULT_ARMING}fail@step:1`), run);
  await hook("step", 0);
  await hook("after-intent", 1);
  await assert.rejects(hook("step", 1), InjectedFault);
  assert.equal(calls.length, 0);
  const killing = faultHook(parseFault(`${FAULT_ARMING}kill@after-done:2`), run);
  await hook("after-done", 2);
  const pending = killing("after-done", 2); // never settles: the real kill would end the process
  await Promise.resolve();
  assert.deepEqual(calls.map((c) => c.argv), [["kill", "-KILL", String(Deno.pid)]]);
  void pending;
});
