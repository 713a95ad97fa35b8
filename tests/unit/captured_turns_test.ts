import assert from "node:assert/strict";
import { CAPTURED_AT_ONCE, processes, type Spawned } from "../../src/exec/mod.ts";
import { taking } from "../../src/exec/turns.ts";

Deno.test("the seam runs at most CAPTURED_AT_ONCE captured commands at once: hundreds asked together all run, none refused", async () => {
  let live = 0;
  let most = 0;
  const ended: (() => void)[] = [];
  const spawn = (argv: readonly string[]): Spawned => {
    live++;
    most = Math.max(most, live);
    let end!: () => void;
    const done = new Promise<void>((r) => end = r);
    ended.push(() => {
      live--;
      end();
    });
    return {
      pid: 1000 + Number(argv[1]),
      writeStdin: () => Promise.resolve(),
      wait: async () => {
        await done;
        return { code: 0, signal: null, stdout: new TextEncoder().encode(argv[1]), stderr: new Uint8Array() };
      },
      kill: () => {},
      unref: () => {},
    };
  };
  const { run } = processes({ spawn });
  const all = Promise.all(Array.from({ length: 300 }, (_, i) => run(["ip", String(i)])));
  // End the started ones, one at a time, until every command has run.
  for (let n = 0; n < 300; n++) {
    await new Promise((r) => setTimeout(r, 0));
    assert.ok(ended.length > n, `command ${n} started`);
    ended[n]();
  }
  const results = await all;
  assert.deepEqual(results.map((r) => r.stdout), Array.from({ length: 300 }, (_, i) => String(i)));
  assert.equal(most, CAPTURED_AT_ONCE);
  assert.ok(CAPTURED_AT_ONCE >= 8 && CAPTURED_AT_ONCE <= 64, String(CAPTURED_AT_ONCE));
});

Deno.test("taking: at most max tasks at once, each started in the order asked, a failed one frees its slot", async () => {
  const inTurn = taking(2);
  const started: number[] = [];
  const gates = Array.from({ length: 5 }, () => Promise.withResolvers<void>());
  const tasks = gates.map((g, i) =>
    inTurn(async () => {
      started.push(i);
      await g.promise;
      if (i === 1) throw new Error("task 1 failed");
      return i;
    })
  );
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(started, [0, 1]);
  gates[1].resolve();
  await assert.rejects(tasks[1], /task 1 failed/);
  assert.deepEqual(started, [0, 1, 2]);
  gates[0].resolve();
  assert.equal(await tasks[0], 0);
  assert.deepEqual(started, [0, 1, 2, 3]);
  for (const g of gates) g.resolve();
  assert.deepEqual(await Promise.all([tasks[2], tasks[3], tasks[4]]), [2, 3, 4]);
  assert.deepEqual(started, [0, 1, 2, 3, 4]);
});
