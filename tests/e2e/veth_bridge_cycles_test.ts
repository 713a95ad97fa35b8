/**
 * K03: run and undo of veth-bridge back to back, twenty times with the same
 * name (the kernel deletes a namespace's veth asynchronously: the next run's
 * names must be free). Its own file, apart from `veth_bridge_test.ts`, so
 * that `deno test --parallel` runs its forty commands beside the rest.
 */
import assert from "node:assert/strict";
import { withLab } from "../support/lab.ts";

Deno.test("K03: twenty back-to-back run/undo cycles with the same name all succeed", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    for (let i = 0; i < 20; i++) {
      const r = await lab.nsrecipe(["run", "veth-bridge", "--name", "n1"]);
      assert.equal(r.code, 0, `cycle ${i}: ${r.stderr}`);
      const u = await lab.nsrecipe(["undo"]);
      assert.equal(u.code, 0, `cycle ${i}: ${u.stderr}`);
    }
    assert.deepEqual(await lab.snapshot(), before);
  });
});
