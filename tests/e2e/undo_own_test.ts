/**
 * Undo touches only what is its own. The journal records the identity of each
 * named object a run makes or acts on (a namespace's nsfs inode, a link's
 * ifindex); undo follows a renamed object and leaves alone another object of
 * the same name, which someone else made (exit 5, "needs attention"). Journals
 * of the earlier version, which hold no identities, still undo by name.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { type TestLab, withLab } from "../support/lab.ts";
import { netnsPids, stopSpawned } from "../support/netns_processes.ts";
import {
  assertExit,
  assertNoNetnsLeft,
  assertSameHost,
  endState,
  journalOf,
  journalText,
  writeJournal,
} from "../support/reliability.ts";
import { waitFor } from "../support/wait.ts";

/** `stat` of a `/run/netns` entry: device, inode and time, as one string. */
async function netnsStat(lab: TestLab, name: string): Promise<string> {
  const r = await lab.sh(["stat", "-c", "%d %i %.9Y", `/run/netns/${name}`]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

/** The drift lines `status` reports for the only applied run. */
async function drift(lab: TestLab): Promise<string[]> {
  const r = await lab.nsrecipe(["--json", "status"]);
  assertExit(r, EXIT.ok, "status");
  const runs = JSON.parse(r.stdout).runs as { drift: string[] }[];
  assert.equal(runs.length, 1);
  return runs[0].drift;
}

/** The second undo after a left-alone undo: the run is closed, nothing more to do. */
async function assertClosed(lab: TestLab) {
  assert.equal(endState((await journalOf(lab)).records), "undone");
  const again = await lab.nsrecipe(["undo"]);
  assertExit(again, EXIT.ok, "a second undo");
  assert.match(again.stdout, /Nothing to undo/);
}

Deno.test("a namespace deleted and made again by hand under the run's name: undo leaves it and its process alone, says so, exits 5; the run is closed", async () => {
  await withLab(async (lab) => {
    assertExit(await lab.nsrecipe(["run", "netns", "--name", "web"]), EXIT.ok, "run");
    const made = await netnsStat(lab, "web");
    for (const argv of [["ip", "netns", "del", "web"], ["ip", "netns", "add", "web"]]) {
      assert.equal((await lab.sh(argv)).code, 0, argv.join(" "));
    }
    const admins = await netnsStat(lab, "web");
    assert.notEqual(admins, made, "the admin's namespace is another object");
    const sleeper = lab.spawn(["ip", "netns", "exec", "web", "sleep", "1000"]);
    const ended = sleeper.output();
    try {
      let pids: string[] = [];
      await waitFor("the admin's process inside 'web'", async () => (pids = await netnsPids(lab, "web")).length > 0);
      const adminState = await lab.snapshot();
      assert.ok(
        (await drift(lab)).some((d) =>
          /^'web' is now another network namespace \(inode \d+\), not the one this run made \(inode \d+\): undo will leave it alone$/
            .test(d)
        ),
        "status tells the admin before undo does",
      );
      const undo = await lab.nsrecipe(["undo"]);
      assertExit(undo, EXIT.attention, "undo");
      assert.match(
        undo.stderr,
        /left alone: create network namespace 'web': 'web' is now another network namespace \(inode \d+\), not the one run '[^']+' made \(inode \d+\)/,
      );
      assert.match(undo.stderr, /left alone 1 step\(s\) whose object someone else made again under the same name/);
      assert.match(undo.stderr, /nsrecipe touches only what it made/);
      assert.equal(await netnsStat(lab, "web"), admins, "the admin's namespace is still there");
      assert.deepEqual(await netnsPids(lab, "web"), pids, "the admin's process still runs");
      assertSameHost(await lab.snapshot(), adminState, "undo beside the admin's namespace");
      await assertClosed(lab);
    } finally {
      // nsenter forked the process into the lab: end it there, then its pipes close.
      await lab.sh(["sh", "-c", "kill -KILL $(ip netns pids web) 2>/dev/null"]);
      await stopSpawned(sleeper, ended);
    }
  });
});

Deno.test("a bridge rebuilt by hand under the run's name, with a port on it: undo removes its own namespace and veth, leaves the bridge and its port alone, exits 5", async () => {
  await withLab(async (lab) => {
    assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", "web"]), EXIT.ok, "run");
    const script =
      "ip link del br0 && ip link add br0 type bridge && ip link add vm0 type veth peer name vm0-peer && " +
      "ip link set vm0 master br0 && ip link set vm0 up && ip link set br0 up";
    const r = await lab.sh(["sh", "-c", script]);
    assert.equal(r.code, 0, r.stderr);
    const undo = await lab.nsrecipe(["undo"]);
    assertExit(undo, EXIT.attention, "undo");
    assert.match(undo.stderr, /left alone: create bridge 'br0'.*: 'br0' is now another link \(ifindex \d+/);
    // The run's 'br0 up' went with the run's bridge (deleted by hand): no inverse of its own touches the admin's.
    // It is said to have gone with it already, not to go with the bridge there now, which undo leaves alone.
    assert.match(
      undo.stderr,
      /went with link 'br0' \(gone already; the one of that name now is another, left alone\): bring link 'br0' up/,
    );
    assert.doesNotMatch(undo.stderr, /goes with link 'br0'/);
    const br0 = JSON.parse((await lab.sh(["ip", "-json", "-details", "link", "show", "dev", "br0"])).stdout)[0];
    assert.equal(br0.linkinfo.info_kind, "bridge", "the admin's bridge is still there");
    assert.ok(br0.flags.includes("UP"), "and still up");
    const vm0 = JSON.parse((await lab.sh(["ip", "-json", "link", "show", "dev", "vm0"])).stdout)[0];
    assert.equal(vm0.master, "br0", "its port is still enslaved");
    assert.equal((await lab.sh(["ip", "link", "show", "dev", "veth-web"])).code, 1, "the run's veth is gone");
    await assertNoNetnsLeft(lab);
    await assertClosed(lab);
  });
});

Deno.test("a veth end made again by hand under the run's name: undo leaves it alone and removes the rest, exits 5", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", "web"]), EXIT.ok, "run");
    const r = await lab.sh([
      "sh",
      "-c",
      "ip link del veth-web && ip link add veth-web type veth peer name vm-peer",
    ]);
    assert.equal(r.code, 0, r.stderr);
    const adminVeth = JSON.parse((await lab.sh(["ip", "-json", "link", "show", "dev", "veth-web"])).stdout)[0];
    const undo = await lab.nsrecipe(["undo"]);
    assertExit(undo, EXIT.attention, "undo");
    assert.match(undo.stderr, /left alone: create veth pair 'veth-web' <-> '[^']+': 'veth-web' is now another link/);
    const now = JSON.parse((await lab.sh(["ip", "-json", "link", "show", "dev", "veth-web"])).stdout)[0];
    assert.equal(now.ifindex, adminVeth.ifindex, "the admin's veth is still there");
    assert.equal((await lab.sh(["ip", "link", "show", "dev", "br0"])).code, 1, "the run's bridge is gone");
    await assertNoNetnsLeft(lab);
    await lab.sh(["ip", "link", "del", "veth-web"]);
    assertSameHost(await lab.snapshot(), before, "undo, then the admin's veth removed");
    await assertClosed(lab);
  });
});

Deno.test("a journal of the earlier version (no identities): undo still restores the host by name, for each recipe", async (t) => {
  for (
    const args of [
      ["netns", "--name", "old"],
      ["veth-bridge", "--name", "old"],
      ["full-migrate", "--name", "old", "--address", "198.51.100.50/24"],
    ]
  ) {
    await t.step(args[0], () =>
      withLab(async (lab) => {
        const before = await lab.snapshot();
        assertExit(await lab.nsrecipe(["run", ...args, "--no-confirm"]), EXIT.ok, "run");
        const text = await journalText(lab);
        assert.match(text, /"identities"/, "this version records identities");
        const old = text.split("\n").filter(Boolean).map((line) => {
          const { identities: _, ...rest } = JSON.parse(line);
          return JSON.stringify(rest) + "\n";
        }).join("");
        await writeJournal(lab, old);
        const undo = await lab.nsrecipe(["undo"]);
        assertExit(undo, EXIT.ok, "undo of an old journal");
        assertSameHost(await lab.snapshot(), before, `${args[0]}: undo of an old journal`);
      }));
  }
});

Deno.test("full-migrate, then the bridge renamed by hand (br0 -> brlan): undo follows it by ifindex, restores the uplink (no longer a bridge port) and exits 0", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const run = await lab.nsrecipe(["run", "full-migrate", "--name", "fm", "--address", "198.51.100.50/24"]);
    assertExit(run, EXIT.ok, "run");
    assert.equal((await lab.sh(["ip", "link", "set", "dev", "br0", "name", "brlan"])).code, 0);
    // P10: status follows the rename as undo does: the rename is its one drift line, no step reads as gone.
    const found = await drift(lab);
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0], /^'br0' \(ifindex \d+, MAC [0-9a-f:]+\) was renamed to 'brlan': undo follows it$/);
    const undo = await lab.nsrecipe(["undo"]);
    assertExit(undo, EXIT.ok, "undo");
    assert.match(undo.stderr, /'br0' was renamed to 'brlan' \(ifindex \d+, MAC [0-9a-f:]+\); following it/);
    const eth0 = JSON.parse((await lab.sh(["ip", "-json", "link", "show", "dev", "eth0"])).stdout)[0];
    assert.equal(eth0.master, undefined, "the uplink is no bridge port");
    assert.equal((await lab.sh(["ip", "link", "show", "dev", "brlan"])).code, 1, "the renamed bridge is gone");
    assertSameHost(await lab.snapshot(), before, "rename, then undo");
    assert.equal((await lab.sh(["ping", "-c1", "-W2", "198.51.100.1"])).code, 0, "the host reaches its gateway");
  });
});

Deno.test("veth-bridge, then the host end of the veth renamed by hand: undo follows it and exits 0", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", "web"]), EXIT.ok, "run");
    assert.equal((await lab.sh(["ip", "link", "set", "dev", "veth-web", "name", "vweb-renamed"])).code, 0);
    const found = await drift(lab);
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0], /^'veth-web' \(ifindex \d+.*\) was renamed to 'vweb-renamed': undo follows it$/);
    const undo = await lab.nsrecipe(["undo"]);
    assertExit(undo, EXIT.ok, "undo");
    assert.match(undo.stderr, /'veth-web' was renamed to 'vweb-renamed'/);
    assertSameHost(await lab.snapshot(), before, "rename, then undo");
  });
});

Deno.test("full-migrate, then the uplink renamed by hand (eth0 -> wan0): undo gives its addresses and routes back to wan0, exits 0", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const run = await lab.nsrecipe(["run", "full-migrate", "--name", "fm", "--address", "198.51.100.50/24"]);
    assertExit(run, EXIT.ok, "run");
    assert.equal((await lab.sh(["ip", "link", "set", "dev", "eth0", "name", "wan0"])).code, 0);
    const found = await drift(lab);
    assert.equal(found.length, 1, found.join("\n"));
    assert.match(found[0], /^'eth0' \(ifindex \d+.*\) was renamed to 'wan0': undo follows it$/);
    const undo = await lab.nsrecipe(["undo"]);
    assertExit(undo, EXIT.ok, "undo");
    assert.match(undo.stderr, /'eth0' was renamed to 'wan0'/);
    const wan0 = JSON.parse((await lab.sh(["ip", "-json", "link", "show", "dev", "wan0"])).stdout)[0];
    assert.equal(wan0.master, undefined, "the uplink is no bridge port");
    assert.equal((await lab.sh(["ping", "-c1", "-W2", "198.51.100.1"])).code, 0, "the host reaches its gateway");
    assert.equal((await lab.sh(["ip", "link", "set", "dev", "wan0", "name", "eth0"])).code, 0);
    assertSameHost(await lab.snapshot(), before, "rename, undo, and the admin's name given back");
  });
});

Deno.test("P10: veth-bridge's bridge renamed by hand (br0 -> brlan) and the namespace's address removed: status names the rename once, first, shows the bridge as brlan with its address, and reports only the real drift", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", "d1"]), EXIT.ok, "run");
    assert.equal((await lab.sh(["ip", "link", "set", "br0", "name", "brlan"])).code, 0);
    assert.equal((await lab.sh(["ip", "-n", "d1", "addr", "del", "10.200.0.2/24", "dev", "eth0"])).code, 0);
    const found = await drift(lab);
    assert.match(found[0], /^'br0' \(ifindex \d+, MAC [0-9a-f:]+\) was renamed to 'brlan': undo follows it$/);
    assert.deepEqual(found.slice(1), [
      "add address 10.200.0.2/24 to 'eth0' in 'd1': address 10.200.0.2/24 is not on 'eth0'",
      "add route default via 10.200.0.1 dev eth0 in 'd1': route default is not in the table",
    ]);
    const table = await lab.nsrecipe(["status"]);
    assert.match(table.stdout, /^d1\s+veth-bridge\s+drift\s+-\s+brlan 10\.200\.0\.1\/24\s/m);
    assert.match((await lab.nsrecipe(["status", "d1"])).stdout, /^ {2}bridge: {5}brlan 10\.200\.0\.1\/24$/m);
    assertExit(await lab.nsrecipe(["undo", "d1"]), EXIT.ok, "undo");
    assertSameHost(await lab.snapshot(), before, "rename, then undo");
  });
});
