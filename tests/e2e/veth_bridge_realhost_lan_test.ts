/**
 * veth-bridge and full-migrate on hosts that are not tidy (issue 9), as to
 * the LAN: bridges nsrecipe did not create keep their MAC, an uplink that
 * cannot be a bridge port is refused, and an address another LAN host holds
 * is found by ARP. (Point-to-point prefixes, MTUs and inputs refused at plan
 * time: `veth_bridge_realhost_test.ts`; two files, so that
 * `deno test --parallel` runs them side by side.)
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { selfArgv } from "../../src/lab/mod.ts";
import { snapshotDiff, type TestLab, withLab } from "../support/lab.ts";
import { waitFor } from "../support/wait.ts";
import { adminBridge, must, ping, runVethBridge, settled, sysfs } from "../support/realhost.ts";

Deno.test("case 8: runs on an admin bridge never change its MAC (52:54:00:12:34:56 port, then a 02:00:00:00:00:01 port); undo leaves it as it was", async () => {
  await withLab(async (lab) => {
    await adminBridge(lab, [{ name: "eth9", mac: "52:54:00:12:34:56", mtu: 1500 }]);
    assert.equal(await sysfs(lab, "br9", "address"), "52:54:00:12:34:56", "the kernel: the lowest port MAC");
    assert.equal(await sysfs(lab, "br9", "addr_assign_type"), "1", "never set by hand");
    const before = await lab.snapshot();
    for (const name of ["a1", "a2", "a3", "a4", "a5", "a6"]) {
      await runVethBridge(lab, ["--name", name, "--bridge", "br9"]);
      assert.equal(await sysfs(lab, "br9", "address"), "52:54:00:12:34:56", `after run ${name}`);
      assert.match(await sysfs(lab, `veth-${name}`, "address"), /^fe:/);
      assert.equal((await ping(lab, "10.90.0.1", name)).code, 0, `${name} reaches the bridge`);
    }
    for (const name of ["a2", "a5", "a1"]) {
      assert.equal((await lab.nsrecipe(["undo", name])).code, 0);
      assert.equal(await sysfs(lab, "br9", "address"), "52:54:00:12:34:56", `after undo ${name}`);
    }
    assert.equal((await lab.nsrecipe(["undo", "--all"])).code, 0);
    assert.equal(snapshotDiff(before, await lab.snapshot()), "");
    // The admin adds a port with a very low MAC: the bridge follows it (the admin's doing), and runs keep that.
    await must(lab, [
      "ip",
      "link",
      "add",
      "dev",
      "low9",
      "address",
      "02:00:00:00:00:01",
      "type",
      "veth",
      "peer",
      "name",
      "low9p",
    ]);
    await must(lab, ["ip", "link", "set", "dev", "low9", "master", "br9", "up"]);
    assert.equal(await sysfs(lab, "br9", "address"), "02:00:00:00:00:01");
    const withLow = await lab.snapshot();
    for (const name of ["b1", "b2", "b3"]) {
      await runVethBridge(lab, ["--name", name, "--bridge", "br9"]);
      assert.equal(await sysfs(lab, "br9", "address"), "02:00:00:00:00:01", `after run ${name}`);
    }
    assert.equal((await lab.nsrecipe(["undo", "--all"])).code, 0);
    assert.equal(snapshotDiff(withLow, await lab.snapshot()), "");
  });
});

Deno.test("case 8: a bridge nsrecipe creates has a fixed MAC: it stays while namespaces come and go", async () => {
  await withLab(async (lab) => {
    await runVethBridge(lab, ["--name", "c1"]);
    const mac = await sysfs(lab, "br0", "address");
    assert.match(mac, /^02:/);
    assert.equal(await sysfs(lab, "br0", "addr_assign_type"), "3", "set, so the kernel never recomputes it");
    await runVethBridge(lab, ["--name", "c2"]);
    assert.equal((await lab.nsrecipe(["undo", "c1"])).code, 0);
    assert.equal(await sysfs(lab, "br0", "address"), mac);
    assert.equal((await ping(lab, "10.200.0.1", "c2")).code, 0);
    assert.equal((await lab.nsrecipe(["undo", "--all"])).code, 0);
  });
});

Deno.test("case 10: full-migrate refuses an uplink that cannot be a bridge port (macvlan, tun) or carries a peer address, with exit 3 before any change", async () => {
  await withLab(async (lab) => {
    await must(lab, ["ip", "link", "add", "link", "eth0", "name", "mv0", "type", "macvlan", "mode", "bridge"]);
    await must(lab, ["ip", "link", "set", "dev", "mv0", "up"]);
    await must(lab, ["ip", "addr", "add", "192.0.2.10/24", "dev", "mv0"]);
    await must(lab, ["ip", "tuntap", "add", "dev", "tun0", "mode", "tun"]);
    await must(lab, ["ip", "link", "set", "dev", "tun0", "up"]);
    await must(lab, ["ip", "addr", "add", "203.0.113.10/24", "dev", "tun0"]);
    const before = await lab.snapshot();
    for (
      const [args, pattern] of [
        [
          ["--uplink", "mv0", "--address", "192.0.2.50/24"],
          /'mv0' is a macvlan: it receives only frames addressed to its own MAC/,
        ],
        [
          ["--uplink", "tun0", "--address", "203.0.113.50/24"],
          /'tun0' is not an Ethernet link \(link type none, tun\)/,
        ],
      ] as const
    ) {
      for (const command of [["plan"], ["run", "--no-confirm"]]) {
        const r = await lab.nsrecipe([command[0], "full-migrate", ...command.slice(1), "--name", "k", ...args]);
        assert.equal(r.code, EXIT.precondition, `${command} ${args.join(" ")}: ${r.stderr}`);
        assert.match(r.stderr, pattern);
      }
    }
    assert.equal(snapshotDiff(before, await lab.snapshot()), "");
    // mv0 stacked on eth0 is refused first (X2, tests/e2e/full_migrate_macvlan_test.ts): gone, the peer address is.
    await must(lab, ["ip", "link", "del", "mv0"]);
    await must(lab, ["ip", "addr", "add", "198.51.100.30", "peer", "198.51.100.31/32", "dev", "eth0"]);
    const withPeer = await lab.snapshot();
    const peer = await lab.nsrecipe([
      "run",
      "full-migrate",
      "--name",
      "k",
      "--address",
      "198.51.100.50/24",
      "--no-confirm",
    ]);
    assert.equal(peer.code, EXIT.precondition, peer.stderr);
    assert.match(peer.stderr, /point-to-point addresses: 198\.51\.100\.30 peer 198\.51\.100\.31\/32/);
    assert.equal(snapshotDiff(withPeer, await lab.snapshot()), "");
  });
});

const lanHostMac = async (lab: TestLab) =>
  (JSON.parse(await must(lab, ["ip", "-n", "lab-lanhost", "-json", "link", "show", "dev", "eth0"])) as {
    address: string;
  }[])[0].address;

/**
 * Another host on the LAN bridge `br0` that this host cannot see: a network
 * namespace with no name (named for setup, then unnamed; a process keeps it
 * alive until the lab ends), holding `addresses` on a veth whose other end is
 * a port of `br0`.
 * @returns Its MAC.
 */
async function hiddenLanHost(lab: TestLab, addresses: string[]): Promise<string> {
  const mac = "52:54:00:aa:bb:cc";
  await must(lab, ["ip", "netns", "add", "ghost"]);
  lab.spawn(["ip", "netns", "exec", "ghost", "sleep", "600"]);
  await must(lab, ["ip", "link", "add", "dev", "gh0", "type", "veth", "peer", "name", "gh1", "address", mac]);
  await must(lab, ["ip", "link", "set", "dev", "gh1", "netns", "ghost", "name", "eth0"]);
  await must(lab, ["ip", "link", "set", "dev", "gh0", "master", "br0", "up"]);
  await must(lab, ["ip", "netns", "exec", "ghost", "sysctl", "-q", "-w", "net.ipv6.conf.all.accept_dad=0"]);
  await must(lab, ["ip", "netns", "exec", "ghost", "sysctl", "-q", "-w", "net.ipv6.conf.default.accept_dad=0"]);
  await must(lab, ["ip", "-n", "ghost", "link", "set", "dev", "eth0", "up"]);
  for (const a of addresses) {
    await must(lab, ["ip", "-n", "ghost", "addr", "add", a, "dev", "eth0", ...(a.includes(":") ? ["nodad"] : [])]);
  }
  await waitFor(
    "the hidden host's process to hold its namespace",
    async () => (await lab.sh(["pgrep", "-f", "sleep 600"])).code === 0,
  );
  await must(lab, ["ip", "netns", "del", "ghost"]);
  await settled(lab, ["gh0"]);
  return mac;
}

Deno.test("case 9: full-migrate refuses an --address the LAN host holds, naming its MAC (ARP probe), before any change", async () => {
  await withLab(async (lab) => {
    const mac = await lanHostMac(lab);
    const before = await lab.snapshot();
    for (const command of ["run", "rehearse"]) {
      const r = await lab.nsrecipe([
        command,
        "full-migrate",
        "--name",
        "f",
        "--address",
        "198.51.100.20/24",
        ...(command === "run" ? ["--no-confirm"] : []),
      ]);
      assert.equal(r.code, EXIT.precondition, `${command}: ${r.stderr}`);
      assert.match(
        r.stderr,
        new RegExp(
          `--address 198\\.51\\.100\\.20 is already used on the LAN of 'eth0': MAC ${mac} answered an ARP probe`,
        ),
      );
    }
    assert.equal(snapshotDiff(before, await lab.snapshot()), "", "nothing changed");
  });
});

Deno.test("case 9: on a LAN bridge, an address a hidden LAN host holds is refused naming its MAC; a picked one is skipped; IPv6 fails on dadfailed", async () => {
  await withLab(async (lab) => {
    const pristine = await lab.snapshot();
    const migrated = await lab.nsrecipe([
      "run",
      "full-migrate",
      "--name",
      "f",
      "--address",
      "198.51.100.50/24",
      "--no-confirm",
    ]);
    assert.equal(migrated.code, 0, migrated.stderr);
    const mac = await hiddenLanHost(lab, ["198.51.100.2/24", "198.51.100.21/24", "2001:db8:1::21/64"]);
    const before = await lab.snapshot();
    const given = await lab.nsrecipe([
      "run",
      "veth-bridge",
      "--name",
      "n9",
      "--bridge",
      "br0",
      "--address",
      "198.51.100.21/24",
    ]);
    assert.equal(given.code, EXIT.precondition, given.stderr);
    assert.match(
      given.stderr,
      new RegExp(`--address 198\\.51\\.100\\.21 is already used on the LAN of 'br0': MAC ${mac}`),
    );
    assert.equal(snapshotDiff(before, await lab.snapshot()), "", "nothing changed");
    // plan shows the probe run will make first; it does not probe (the LAN is asked only by run).
    const planned = JSON.parse(
      await must(lab, [...selfArgv(), "--json", "plan", "veth-bridge", "--name", "n8", "--bridge", "br0"]),
    ) as { probes: { dev: string; address: string; command: string[] }[] };
    assert.deepEqual(planned.probes, [{
      dev: "br0",
      address: "198.51.100.2",
      command: ["arping", "-D", "-I", "br0", "-c", "2", "-w", "3", "198.51.100.2"],
    }]);
    // The gateway (.1) is never picked; .2 is held by the hidden host, so the plan is made again and takes .3.
    const picked = await lab.nsrecipe(["run", "veth-bridge", "--name", "n8", "--bridge", "br0"]);
    assert.equal(picked.code, 0, picked.stderr);
    assert.match(
      picked.stderr,
      new RegExp(`Address 198\\.51\\.100\\.2 is in use on the LAN of 'br0' \\(MAC ${mac}\\); picking another`),
    );
    assert.match(
      await must(lab, ["ip", "-n", "n8", "-br", "-4", "addr", "show", "dev", "eth0"]),
      /198\.51\.100\.3\/24/,
    );
    assert.equal((await ping(lab, "198.51.100.1", "n8")).code, 0, "n8 reaches the LAN gateway");
    // IPv6 on the LAN: duplicate address detection stays on; a held address fails the run, which is rolled back.
    const dup6 = await lab.nsrecipe([
      "run",
      "veth-bridge",
      "--name",
      "n6",
      "--bridge",
      "br0",
      "--address",
      "2001:db8:1::21/64",
    ]);
    assert.equal(dup6.code, EXIT.rolledBack, dup6.stderr);
    assert.match(dup6.stderr, /2001:db8:1::21 failed duplicate address detection/);
    const free6 = await lab.nsrecipe([
      "run",
      "veth-bridge",
      "--name",
      "n7",
      "--bridge",
      "br0",
      "--address",
      "2001:db8:1::77/64",
    ]);
    assert.equal(free6.code, 0, free6.stderr);
    assert.equal((await ping(lab, "2001:db8:1::20", "n7")).code, 0, "n7 reaches the LAN host over IPv6");
    // The hidden host's port on br0 is not the runs' own: undo leaves a bridge that carries it in place
    // (RELIABILITY.md, F14), so it goes first, as an admin would remove a VM's port.
    await must(lab, ["ip", "link", "del", "dev", "gh0"]);
    assert.equal((await lab.nsrecipe(["undo", "--all"])).code, 0);
    assert.equal(snapshotDiff(pristine, await lab.snapshot()), "");
  });
});
