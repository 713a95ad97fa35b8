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

Deno.test("H3: veth-bridge undo killed after reverting the bridge's address: status says 'undo interrupted', that step reverted, the later ones still in effect (text and --json); undo completes it", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", "vb", "--address", "10.9.0.12/24"]), 0, "run");
    const applied = JSON.parse((await lab.nsrecipe(["--json", "status", "vb"])).stdout).runs[0] as Shown;
    const n = applied.steps.length;
    const a = applied.steps.findIndex((s) => s.summary === "add address 10.9.0.1/24 to 'br0'");
    assert.ok(a > 0 && a < n - 1, `the bridge's address is a middle step: ${a} of ${n}`);
    // Undo goes newest first: the steps after the bridge's address are recorded subsumed (they go with netns 'vb'
    // and link 'veth-vb', deleted last), the address is reverted for real; killed right after that record.
    const { text, note, json } = await killedUndo(lab, "vb", a);
    assert.match(text, /^vb\s+veth-bridge\s+undo interrupted\s+10\.9\.0\.12\/24\s/m);
    assert.ok(
      note.includes(
        `vb: note: undo was interrupted (killed, or still at work) after reverting 1 of ${n} steps (step ${a + 1}); ` +
          `steps ${a + 2}–${n} are recorded as going with link 'veth-vb', netns 'vb', which are not deleted yet: ` +
          "still in effect; 'nsrecipe undo vb' completes it",
      ),
      note,
    );
    assert.ok(text.includes(`add address 10.9.0.1/24 to 'br0'  [undone]`), text);
    assert.ok(
      text.includes(
        "add address 10.9.0.12/24 to 'eth0' in 'vb'  [done; recorded undone, but goes with netns 'vb', not deleted yet]",
      ),
      text,
    );
    assert.ok(
      text.includes("enslave 'veth-vb' to bridge 'br0'  [done; recorded undone, but goes with link 'veth-vb'"),
      text,
    );
    assert.equal(json.shown, "undo interrupted");
    assert.equal(json.state, "applied");
    const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
    assert.deepEqual(json.undo, {
      interrupted: true,
      reverted: [a],
      inEffect: range(a + 1, n),
      applied: range(0, a),
    });
    assert.equal(json.steps[a].state, "undone");
    assert.equal(json.steps[a].goesWith, undefined);
    for (const s of json.steps.slice(a + 1)) {
      assert.equal(s.state, "done");
      assert.match(s.goesWith ?? "", /^(link:veth-vb|netns:vb)$/);
    }
    // What status calls still in effect is: the namespace's address is there.
    const inside = await lab.sh(["ip", "-n", "vb", "-br", "addr", "show", "dev", "eth0"]);
    assert.match(inside.stdout, /10\.9\.0\.12\/24/);
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
