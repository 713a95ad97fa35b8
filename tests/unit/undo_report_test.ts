import assert from "node:assert/strict";
import { reportLine } from "../../src/cli/undo.ts";
import type { RevertOutcome, UndoReport } from "../../src/engine/mod.ts";
import type { Step } from "../../src/steps/mod.ts";

const NETNS: Step = { kind: "netns-add", netns: "w" };

/** An outcome of one step of run R1: how it ended and, when subsumed, the object it went with. */
function outcome(how: RevertOutcome["how"], index: number, subsumedBy?: string): RevertOutcome {
  return { item: { run: "R1", index, step: NETNS, ...(subsumedBy ? { subsumedBy } : {}) }, how };
}

/** A report of run R1 (label w) with these outcomes. */
function report(outcomes: RevertOutcome[], handedOver: UndoReport["handedOver"] = []): UndoReport {
  return { run: "R1", label: "w", result: "undone", outcomes, handedOver };
}

Deno.test("undo's line counts only the steps reverted by their own inverse as reverted; those that went with a deleted netns or link are told apart, with the objects named", () => {
  // A fresh veth-bridge: 3 reverted (bridge, veth pair, netns), 9 went with them.
  const vethBridge = [
    ...[11, 10, 9, 8, 2].map((i) => outcome("subsumed", i, "netns:w")),
    ...[7, 6].map((i) => outcome("subsumed", i, "link:veth-w")),
    ...[5, 4].map((i) => outcome("subsumed", i, "link:br0")),
    outcome("reverted", 3),
    outcome("reverted", 1),
    outcome("reverted", 0),
  ];
  assert.equal(
    reportLine(report(vethBridge)),
    "Undone R1 (w): 3 step(s) reverted, 9 went with netns 'w', link 'veth-w' and link 'br0'",
  );
  // The netns found gone: its step found already reverted, and 'lo up' went with it.
  assert.equal(
    reportLine(report([outcome("subsumed", 1, "netns:w"), outcome("already-gone", 0)])),
    "Undone R1 (w): 0 step(s) reverted, 1 went with netns 'w', 1 found already reverted (changed by hand?)",
  );
  // Nothing subsumed; steps kept for a later run.
  assert.equal(
    reportLine(report([outcome("reverted", 1), outcome("reverted", 0)], [{ summary: "create bridge", to: "R2" }])),
    "Undone R1 (w): 2 step(s) reverted, 1 kept for later runs",
  );
  assert.equal(
    reportLine({ ...report([]), result: "stale" }),
    "Closed R1 (w): it is from before a reboot, its objects are gone; nothing was touched",
  );
});
