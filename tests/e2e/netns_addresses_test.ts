import assert from "node:assert/strict";
import { type TestLab, withLab } from "../support/lab.ts";

/** Runs veth-bridge with `--verbose`; returns the address its namespace got and the namespaces it entered to read addresses. */
async function runTraced(lab: TestLab, name: string): Promise<{ address: string; entered: string[] }> {
  const r = await lab.nsrecipe(["--verbose", "run", "veth-bridge", "--name", name]);
  assert.equal(r.code, 0, r.stderr);
  const entered = [...r.stderr.matchAll(/^\$ ip -n (\S+) -json addr show {2}/gm)].map((m) => m[1]);
  const address = /add address (\S+)\/24 to 'eth0' in /.exec(r.stderr)?.[1];
  assert.ok(address, r.stderr);
  return { address, entered };
}

Deno.test("run: the namespaces of open runs are not entered to read their addresses (the journal has them); others are, and the new namespace takes the next free address", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    assert.equal((await runTraced(lab, "n1")).address, "10.200.0.2");
    const second = await runTraced(lab, "n2");
    assert.equal(second.address, "10.200.0.3");
    assert.deepEqual(second.entered.sort(), ["lab-lan", "lab-lanhost"], "n1 is known from the journal");
    const third = await runTraced(lab, "n3");
    assert.equal(third.address, "10.200.0.4");
    assert.deepEqual(third.entered.sort(), ["lab-lan", "lab-lanhost"]);
    assert.equal((await lab.nsrecipe(["undo", "--all"])).code, 0);
    assert.deepEqual(await lab.snapshot(), before);
  });
});

Deno.test("run: a namespace of a run deleted and made again by hand is entered (another identity): the address it holds is not given again", async () => {
  await withLab(async (lab) => {
    assert.equal((await runTraced(lab, "n1")).address, "10.200.0.2");
    assert.equal((await runTraced(lab, "n2")).address, "10.200.0.3");
    // n1 made again by someone else, holding the address the next run would take.
    for (
      const argv of [
        ["ip", "netns", "del", "n1"],
        ["ip", "netns", "add", "n1"],
        ["ip", "-n", "n1", "addr", "add", "10.200.0.4/24", "dev", "lo"],
      ]
    ) assert.equal((await lab.sh(argv)).code, 0, argv.join(" "));
    const next = await runTraced(lab, "n3");
    assert.deepEqual(next.entered.sort(), ["lab-lan", "lab-lanhost", "n1"]);
    assert.equal(next.address, "10.200.0.2", "n1's old address is free again; 10.200.0.4 is taken");
    const after = await runTraced(lab, "n4");
    assert.equal(after.address, "10.200.0.5", "10.200.0.4, held in the namespace made by hand, is skipped");
    assert.deepEqual(after.entered.sort(), ["lab-lan", "lab-lanhost", "n1"]);
    assert.equal((await lab.sh(["ip", "netns", "del", "n1"])).code, 0);
    await lab.nsrecipe(["undo", "--all"]);
  });
});

Deno.test("run: a namespace made by hand (not in the journal) is entered and its addresses are skipped", async () => {
  await withLab(async (lab) => {
    for (
      const argv of [
        ["ip", "netns", "add", "hand"],
        ["ip", "-n", "hand", "addr", "add", "10.200.0.2/24", "dev", "lo"],
        ["ip", "-n", "hand", "addr", "add", "10.200.0.3/24", "dev", "lo"],
      ]
    ) assert.equal((await lab.sh(argv)).code, 0, argv.join(" "));
    const first = await runTraced(lab, "n1");
    assert.equal(first.address, "10.200.0.4");
    assert.deepEqual(first.entered.sort(), ["hand", "lab-lan", "lab-lanhost"]);
    assert.equal((await lab.nsrecipe(["undo", "--all"])).code, 0);
    assert.equal((await lab.sh(["ip", "netns", "del", "hand"])).code, 0);
  });
});
