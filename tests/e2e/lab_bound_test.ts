import assert from "node:assert/strict";
import type { ExecResult } from "../../src/exec/mod.ts";
import { boundedUse, TestLab } from "../support/lab.ts";

Deno.test("boundedUse: a test that hangs on a process in its lab is ended at the bound, by killing the lab, and fails saying so", async () => {
  const lab = await TestLab.start();
  try {
    let hung: Promise<ExecResult> | undefined;
    await assert.rejects(
      boundedUse(lab, (l) => (hung = l.sh(["sleep", "600"])), 1_000),
      /^Error: the test did not end within 1 s of using its lab; the lab was killed \(every process in it\)/,
    );
    assert.ok(hung);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), 30_000)));
    const ended = await Promise.race([hung, late]).finally(() => clearTimeout(timer));
    assert.notEqual(ended, "late", "the process the test awaited still runs 30 s after the lab was killed");
    // nsenter(1) passes its child's death by SIGKILL on: 128 + 9.
    assert.equal((ended as ExecResult).code, 137);
  } finally {
    await lab.stop();
  }
});

Deno.test("boundedUse: a test that ends within the bound gives its value and leaves the lab running", async () => {
  const lab = await TestLab.start();
  try {
    assert.equal(await boundedUse(lab, async (l) => (await l.sh(["echo", "up"])).stdout, 60_000), "up\n");
    assert.equal((await lab.sh(["echo", "still"])).stdout, "still\n");
  } finally {
    await lab.stop();
  }
});
