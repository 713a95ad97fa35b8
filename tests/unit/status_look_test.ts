import assert from "node:assert/strict";
import { DEEP_UP_TO, depthFor } from "../../src/cli/status_look.ts";

Deno.test("status's depth: deep up to DEEP_UP_TO live namespaces, quick beyond; --deep and --quick win either way", () => {
  assert.equal(DEEP_UP_TO, 8);
  assert.deepEqual([0, 1, 8].map((n) => depthFor(n)), ["deep", "deep", "deep"]);
  assert.deepEqual([9, 50].map((n) => depthFor(n)), ["quick", "quick"]);
  assert.equal(depthFor(50, "deep"), "deep");
  assert.equal(depthFor(1, "quick"), "quick");
});
