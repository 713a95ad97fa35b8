/**
 * The host lock (finding H15): nsrecipe processes with different state
 * directories change the same host one at a time, as processes sharing one
 * directory do. Without it, one full-migrate's rollback pulled the uplink out
 * of the other's bridge while both said all was well.
 */
import assert from "node:assert/strict";
import { type TestLab, withLab } from "../support/lab.ts";
import { assertExit, assertSameHost } from "../support/reliability.ts";
import { ping } from "../support/migrate.ts";
import { holdLock, startNsrecipe } from "../support/side_by_side.ts";

const S1 = "/run/nsrecipe/s1";
const S2 = "/run/nsrecipe/s2";

/** Makes the two state directories (mode 0700, as nsrecipe requires). */
async function stateDirs(lab: TestLab): Promise<void> {
  const r = await lab.sh(["mkdir", "-p", "-m", "700", S1, S2]);
  assert.equal(r.code, 0, r.stderr);
}

/** `ip -json link show dev DEV`'s master, or `undefined` when it has none. */
async function masterOf(lab: TestLab, dev: string): Promise<string | undefined> {
  const r = await lab.sh(["ip", "-json", "link", "show", "dev", dev]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { master?: string }[])[0].master;
}

const migrate = (dir: string, name: string, bridge: string, address: string) => [
  "--state-dir",
  dir,
  "run",
  "full-migrate",
  "--name",
  name,
  "--bridge",
  bridge,
  "--address",
  address,
  "--no-confirm",
];

Deno.test("host lock: two full-migrate runs with different state directories at once run one after the other; the second is refused against the migrated host and the first stays whole", async () => {
  await withLab(async (lab) => {
    await stateDirs(lab);
    const before = await lab.snapshot();
    const [a, b] = await Promise.all([
      lab.nsrecipe(migrate(S1, "f1", "br0", "198.51.100.51/24")),
      lab.nsrecipe(migrate(S2, "f2", "br1", "198.51.100.52/24")),
    ]);
    const won = [a, b].filter((r) => r.code === 0);
    assert.equal(won.length, 1, `exactly one applies: f1 ${a.code} ${a.stderr}\nf2 ${b.code} ${b.stderr}`);
    const [winner, dir, bridge] = a.code === 0 ? ["f1", S1, "br0"] : ["f2", S2, "br1"];
    const loser = a.code === 0 ? b : a;
    assert.equal(loser.code, 3, `the other is refused before any change: ${loser.stderr}`);
    assert.equal(await masterOf(lab, "eth0"), bridge, `eth0 stays a port of ${winner}'s bridge`);
    assert.equal((await ping(lab, "198.51.100.1")).code, 0, "the host reaches its gateway through the bridge");
    const status = await lab.nsrecipe(["--state-dir", dir, "status"]);
    assertExit(status, 0, "status");
    assert.doesNotMatch(status.stdout + status.stderr, /drift/);
    assertExit(await lab.nsrecipe(["--state-dir", dir, "undo"]), 0, `undo ${winner}`);
    assertSameHost(await lab.snapshot(), before, "after the winner's undo");
  });
});

Deno.test("host lock: while a process of another state directory holds the host lock, run waits, says so, changes nothing, then completes", async () => {
  await withLab(async (lab) => {
    await stateDirs(lab);
    const ns = (await lab.sh(["stat", "-L", "-c", "%d-%i", "/proc/self/ns/net"])).stdout.trim();
    assert.match(ns, /^\d+-\d+$/);
    const lock = `/run/nsrecipe/host-${ns}.lock`;
    const held = await holdLock(lab, lock);
    try {
      const run = startNsrecipe(lab, ["--state-dir", S2, "run", "netns", "--name", "w2"]);
      const deadline = Date.now() + 60_000; // a bound for a loaded machine, not a speed target
      while (!/Waiting for another nsrecipe process/.test(run.stderr()) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.match(run.stderr(), new RegExp(`\\(host lock '${lock}', any state directory\\)`));
      assert.doesNotMatch((await lab.sh(["ip", "netns", "list"])).stdout, /w2/, "nothing done while waiting");
      await held.release();
      const { code } = await run.done;
      assert.equal(code, 0, run.stderr());
      assert.match((await lab.sh(["ip", "netns", "list"])).stdout, /^w2\b/m);
    } finally {
      await held.release();
    }
  });
});
