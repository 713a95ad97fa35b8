/**
 * Finding H3: after an `undo` killed part way, `status` said "applied" with
 * no note and marked steps "[undone]" whose effect was still on the host
 * (steps recorded `subsumed`, which go with a namespace or link the undo had
 * not deleted yet). Now it says the undo was interrupted, which steps are
 * really reverted and which are still in effect, and that `nsrecipe undo
 * NAME` completes it, in text and `--json`; the second undo restores the host.
 */
import assert from "node:assert/strict";
import { snapshotDiff, type TestLab, withLab } from "../support/lab.ts";
import { assertExit, fault, KILLED } from "../support/reliability.ts";

/** `status --json`'s run, as far as these tests read it. */
type Shown = {
  label: string;
  state: string;
  shown: string;
  undo?: { interrupted: boolean; reverted: number[]; inEffect: number[]; applied: number[] };
  steps: { index: number; summary: string; state: string; goesWith?: string }[];
};

/** Runs `undo NAME` killed (SIGKILL) once the outcome of step INDEX is recorded, and reads `status`. */
async function killedUndo(
  lab: TestLab,
  name: string,
  index: number,
): Promise<{ text: string; note: string; json: Shown }> {
  assertExit(await lab.nsrecipe(["undo", name], fault(`kill@after-undo:${index}`)), KILLED, "undo killed");
  const st = await lab.nsrecipe(["status"]);
  assertExit(st, 0, "status");
  const details = await lab.nsrecipe(["status", name]);
  assertExit(details, 0, "status NAME");
  const json = await lab.nsrecipe(["--json", "status", name]);
  assertExit(json, 0, "status --json");
  return { text: st.stdout + details.stdout, note: st.stderr, json: JSON.parse(json.stdout).runs[0] };
}

Deno.test("H3: veth-bridge undo killed once the veth's deletion is recorded: status says 'undo interrupted', every step but the namespace's creation reverted (the namespace went in the same ip -batch, its deletion not yet recorded: a drift line says it is gone), text and --json; undo completes it", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", "vb", "--address", "10.9.0.12/24"]), 0, "run");
    const applied = JSON.parse((await lab.nsrecipe(["--json", "status", "vb"])).stdout).runs[0] as Shown;
    const n = applied.steps.length;
    const find = (re: RegExp) => applied.steps.findIndex((s) => re.test(s.summary));
    const veth = find(/^create veth pair /);
    const lo = find(/^bring link 'lo' up in 'vb'$/);
    assert.ok(veth > 0 && lo > 0, "the plan makes a veth pair and brings lo up in the namespace");
    // Undo records the steps that go with the namespace, the veth and the bridge, then deletes the bridge, the veth
    // and the namespace in one ip -batch, and records those deletions. Killed once the veth's deletion is recorded:
    // the namespace is gone too, but its step is still 'done' in the journal. Status asks the host (H3): nothing
    // recorded as going with the namespace is still in effect, and the namespace's absence is drift.
    const reverted = applied.steps.flatMap((_, i) => i === 0 ? [] : [i]);
    const { text, note, json } = await killedUndo(lab, "vb", veth);
    assert.match(text, /^vb\s+veth-bridge\s+undo interrupted\s/m);
    assert.equal(
      note,
      `vb: note: undo was interrupted (killed, or still at work) after reverting ${
        n - 1
      } of ${n} steps (steps 2–${n}); ` +
        "'nsrecipe undo vb' completes it\n" +
        "vb: drift: create network namespace 'vb': 'vb' is not in 'ip netns list'",
    );
    assert.ok(text.includes(`add address 10.9.0.1/24 to 'br0'  [undone]`), text);
    assert.ok(text.includes(`add address 10.9.0.12/24 to 'eth0' in 'vb'  [undone]`), text);
    assert.ok(text.includes("bring link 'lo' up in 'vb'  [undone]"), text);
    assert.equal(json.shown, "undo interrupted");
    assert.equal(json.state, "applied");
    assert.deepEqual(json.undo, { interrupted: true, reverted, inEffect: [], applied: [0] });
    for (const i of reverted) assert.deepEqual([json.steps[i].state, json.steps[i].goesWith], ["undone", undefined]);
    assert.equal(json.steps[0].state, "done");
    // What status calls reverted is gone, the namespace with it.
    assert.doesNotMatch((await lab.sh(["ip", "netns", "list"])).stdout, /^vb\b/m, "netns vb is deleted");
    assert.notEqual((await lab.sh(["ip", "link", "show", "dev", "br0"])).code, 0, "br0 is deleted");
    assert.notEqual((await lab.sh(["ip", "link", "show", "dev", "veth-vb"])).code, 0, "veth-vb is deleted");
    assertExit(await lab.nsrecipe(["undo", "vb"]), 0, "second undo");
    const after = await lab.snapshot();
    assert.deepEqual(after, before, snapshotDiff(before, after));
    assert.match((await lab.nsrecipe(["status"])).stdout, /No applied runs\./);
  });
});

Deno.test("H3: netns undo killed after recording only subsumed steps: status says 'undo interrupted' after reverting 0 steps, with the rest still in effect; a plain applied run has no such note", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    assertExit(await lab.nsrecipe(["run", "netns", "--name", "n1", "--", "true"]), 0, "run n1");
    assertExit(await lab.nsrecipe(["run", "netns", "--name", "n2", "--", "true"]), 0, "run n2");
    const plan = JSON.parse((await lab.nsrecipe(["--json", "status", "n2"])).stdout).runs[0] as Shown;
    assert.equal(plan.shown, "applied");
    assert.equal(plan.undo, undefined);
    const last = plan.steps.length - 1;
    // The newest step goes with netns 'n2' (subsumed); killed once it is recorded, before the netns is deleted.
    const { text, note, json } = await killedUndo(lab, "n2", last);
    assert.match(text, /^n2\s+netns\s+undo interrupted\s/m);
    assert.match(text, /^n1\s+netns\s+applied\s/m);
    assert.match(
      note,
      /n2: note: undo was interrupted \(killed, or still at work\) after reverting 0 of \d+ steps; step \d+ is recorded as going with netns 'n2', which is not deleted yet: still in effect; 'nsrecipe undo n2' completes it/,
    );
    assert.doesNotMatch(note, /n1: note/);
    assert.equal(json.shown, "undo interrupted");
    assert.deepEqual(json.undo?.reverted, []);
    assert.deepEqual(json.undo?.inEffect, [last]);
    assert.equal(json.steps[last].state, "done");
    assert.equal(json.steps[last].goesWith, "netns:n2");
    assertExit(await lab.nsrecipe(["undo", "--all"]), 0, "undo --all");
    const after = await lab.snapshot();
    assert.deepEqual(after, before, snapshotDiff(before, after));
  });
});
