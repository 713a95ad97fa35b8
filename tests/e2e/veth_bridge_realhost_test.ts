/**
 * veth-bridge on hosts that are not tidy (issue 9): point-to-point prefixes,
 * bridges nsrecipe did not create (their MTU), and inputs refused at plan
 * time. (The bridge's MAC and the LAN: `veth_bridge_realhost_lan_test.ts`;
 * two files, so that `deno test --parallel` runs them side by side.)
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { snapshotDiff, type TestLab, withLab } from "../support/lab.ts";
import { adminBridge, must, ping, runVethBridge, sysfs } from "../support/realhost.ts";

Deno.test("case 7: /31 (RFC 3021) and /127 (RFC 6164) subnets carry traffic both ways; undo restores the host", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    await runVethBridge(lab, ["--name", "p2p", "--subnet", "10.77.0.0/31", "--bridge", "p2pbr"]);
    assert.match(await must(lab, ["ip", "-br", "addr", "show", "dev", "p2pbr"]), /10\.77\.0\.0\/31/);
    assert.match(await must(lab, ["ip", "-n", "p2p", "-br", "addr", "show", "dev", "eth0"]), /10\.77\.0\.1\/31/);
    assert.equal((await ping(lab, "10.77.0.0", "p2p")).code, 0, "namespace -> bridge (.0 is a host address in /31)");
    assert.equal((await ping(lab, "10.77.0.1")).code, 0, "host -> namespace");
    await runVethBridge(lab, ["--name", "p6", "--subnet", "2001:db8:77::/127", "--bridge", "p6br"]);
    assert.equal(
      (await ping(lab, "2001:db8:77::", "p6")).code,
      0,
      "namespace -> bridge (::0 is a host address in /127)",
    );
    assert.equal((await ping(lab, "2001:db8:77::1")).code, 0, "host -> namespace");
    assert.equal((await lab.nsrecipe(["undo", "--all"])).code, 0);
    assert.equal(snapshotDiff(before, await lab.snapshot()), "");
  });
});

Deno.test("case 7: /32 and /128 addresses are point-to-point: onlink gateway, host route; two namespaces share the bridge's /32", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    await runVethBridge(lab, ["--name", "h1", "--address", "10.78.0.2/32", "--bridge-address", "10.78.0.1/32"]);
    await runVethBridge(lab, ["--name", "h2", "--address", "10.78.0.3/32"]);
    assert.match(await must(lab, ["ip", "-n", "h1", "route", "show", "default"]), /via 10\.78\.0\.1 dev eth0 onlink/);
    assert.equal((await ping(lab, "10.78.0.1", "h1")).code, 0, "h1 -> its gateway");
    assert.equal((await ping(lab, "10.78.0.2")).code, 0, "host -> h1 (host route)");
    assert.equal((await ping(lab, "10.78.0.3")).code, 0, "host -> h2");
    await runVethBridge(lab, [
      "--name",
      "h6",
      "--address",
      "2001:db8:78::2/128",
      "--bridge-address",
      "2001:db8:78::1/128",
    ]);
    assert.equal((await ping(lab, "2001:db8:78::1", "h6")).code, 0, "h6 -> its gateway");
    assert.equal((await ping(lab, "2001:db8:78::2")).code, 0, "host -> h6");
    assert.equal((await lab.nsrecipe(["undo", "--all"])).code, 0);
    assert.equal(snapshotDiff(before, await lab.snapshot()), "");
  });
});

Deno.test("case 10: reserved subnets, leading zeros and IPv6 below 1280 bytes are refused by plan and run with exit 2, before any step", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    for (
      const [args, pattern] of [
        [["--subnet", "224.0.0.0/24"], /lies in 224\.0\.0\.0\/4, IPv4 multicast/],
        [["--subnet", "127.0.0.0/8"], /IPv4 loopback/],
        [["--subnet", "0.0.0.0/8"], /'this network'/],
        [["--subnet", "240.0.0.0/4"], /reserved IPv4 space/],
        [["--subnet", "ff00::/8"], /IPv6 multicast/],
        [["--address", "::1/128", "--bridge-address", "::2/128"], /IPv6 loopback/],
        [["--address", "010.0.0.1/24"], /leading zero: some tools read it as octal/],
        [["--subnet", "10.200.0.0/024"], /is not a CIDR/],
        [["--subnet", "2001:db8:5::/64", "--mtu", "1200"], /IPv6 needs an MTU of at least 1280 bytes/],
      ] as const
    ) {
      for (const command of ["plan", "run"]) {
        const r = await lab.nsrecipe([command, "veth-bridge", "--name", "x", ...args]);
        assert.equal(r.code, EXIT.usage, `${command} ${args.join(" ")}: ${r.stderr}`);
        assert.match(r.stderr, pattern);
      }
    }
    assert.equal(snapshotDiff(before, await lab.snapshot()), "");
  });
});

const nsMtu = async (lab: TestLab, netns: string) =>
  (await must(lab, ["ip", "netns", "exec", netns, "cat", "/sys/class/net/eth0/mtu"])).trim();

Deno.test("case 3: on a bridge at MTU 1450 (a tunnel port) --mtu 9000 is refused before any change, both veth ends take 1450, and 1422-byte pings pass unfragmented", async () => {
  await withLab(async (lab) => {
    await adminBridge(lab, [{ name: "tun9", mac: "52:54:00:12:34:56", mtu: 1450 }]);
    assert.equal(await sysfs(lab, "br9", "mtu"), "1450", "the kernel: a bridge follows its smallest port");
    const before = await lab.snapshot();
    // X5: nsrecipe never raises a bridge it did not create, so a bigger veth would send frames the bridge drops.
    const refused = await lab.nsrecipe(["run", "veth-bridge", "--name", "m0", "--bridge", "br9", "--mtu", "9000"]);
    assert.equal(refused.code, EXIT.usage, refused.stderr);
    assert.match(
      refused.stderr,
      /--mtu 9000 is above the MTU of bridge 'br9', 1450 bytes, .*Leave --mtu out to take the bridge's MTU \(1450\), or give a --bridge that nsrecipe creates\./s,
    );
    assert.equal(snapshotDiff(before, await lab.snapshot()), "", "nothing changed");
    await runVethBridge(lab, ["--name", "m1", "--bridge", "br9"]);
    assert.equal(await sysfs(lab, "veth-m1", "mtu"), "1450");
    assert.equal(await nsMtu(lab, "m1"), "1450");
    assert.equal(await sysfs(lab, "br9", "mtu"), "1450");
    const big = await lab.sh([
      "ip",
      "netns",
      "exec",
      "m1",
      "ping",
      "-c",
      "1",
      "-W",
      "2",
      "-M",
      "do",
      "-s",
      "1422",
      "10.90.0.1",
    ]);
    assert.equal(big.code, 0, `a 1450-byte packet fits: ${big.stdout}${big.stderr}`);
    const tooBig = await lab.sh([
      "ip",
      "netns",
      "exec",
      "m1",
      "ping",
      "-c",
      "1",
      "-W",
      "2",
      "-M",
      "do",
      "-s",
      "1423",
      "10.90.0.1",
    ]);
    assert.notEqual(tooBig.code, 0, "a 1451-byte packet is refused in the namespace, not lost on the bridge");
    assert.equal((await lab.nsrecipe(["undo"])).code, 0);
    assert.equal(snapshotDiff(before, await lab.snapshot()), "");
  });
});

Deno.test("case 3: a bridge at MTU 9000 stays at 9000 while runs are applied; --mtu 1500 on it is refused before any change", async () => {
  await withLab(async (lab) => {
    await adminBridge(lab, [{ name: "eth9", mac: "52:54:00:12:34:56", mtu: 9000 }]);
    assert.equal(await sysfs(lab, "br9", "mtu"), "9000");
    const before = await lab.snapshot();
    const refused = await lab.nsrecipe(["run", "veth-bridge", "--name", "j0", "--bridge", "br9", "--mtu", "1500"]);
    assert.equal(refused.code, EXIT.usage, refused.stderr);
    assert.match(refused.stderr, /--mtu 1500 would lower bridge 'br9' from 9000 to 1500 bytes/);
    assert.equal(snapshotDiff(before, await lab.snapshot()), "", "nothing changed");
    await runVethBridge(lab, ["--name", "j1", "--bridge", "br9"]);
    await runVethBridge(lab, ["--name", "j2", "--bridge", "br9", "--mtu", "9000"]);
    assert.equal(await sysfs(lab, "br9", "mtu"), "9000", "the bridge keeps its jumbo MTU");
    assert.equal(await sysfs(lab, "veth-j1", "mtu"), "9000");
    assert.equal(await nsMtu(lab, "j1"), "9000");
    const jumbo = await lab.sh([
      "ip",
      "netns",
      "exec",
      "j1",
      "ping",
      "-c",
      "1",
      "-W",
      "2",
      "-M",
      "do",
      "-s",
      "8972",
      "10.90.0.1",
    ]);
    assert.equal(jumbo.code, 0, `a 9000-byte packet passes: ${jumbo.stdout}${jumbo.stderr}`);
    assert.equal((await lab.nsrecipe(["undo", "--all"])).code, 0);
    assert.equal(snapshotDiff(before, await lab.snapshot()), "");
  });
});

Deno.test("--mtu below 1280 on an IPv4 subnet: the run says the kernel runs no IPv6 on the veth pair and the bridge it makes, and so it is (no address, not even link-local); IPv4 carries traffic", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const run = await lab.nsrecipe(["run", "veth-bridge", "--name", "m1", "--mtu", "1200"]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /Note: The veth pair's MTU, 1200 bytes, is below 1280, IPv6's minimum \(RFC 8200\)/);
    assert.equal(await must(lab, ["ip", "-n", "m1", "-6", "addr", "show", "dev", "eth0"]), "");
    assert.equal(await must(lab, ["ip", "-6", "addr", "show", "dev", "veth-m1"]), "");
    assert.equal(await must(lab, ["ip", "-6", "addr", "show", "dev", "br0"]), "");
    assert.match(await must(lab, ["ip", "-br", "link", "show", "dev", "br0"]), /^br0 /);
    assert.match(await must(lab, ["ip", "link", "show", "dev", "br0"]), / mtu 1200 /);
    assert.equal((await ping(lab, "10.200.0.2")).code, 0, "host -> namespace over IPv4");
    assert.equal((await lab.nsrecipe(["undo", "m1"])).code, 0);
    assert.equal(snapshotDiff(before, await lab.snapshot()), "");
  });
});

Deno.test("an admin's bridge with no port: refused (exit 3, nothing changed), as undo would leave it without carrier and its MAC zeroed; with --force that is what undo leaves; one already so is restored exactly", async () => {
  await withLab(async (lab) => {
    await must(lab, ["ip", "link", "add", "dev", "br9", "type", "bridge", "stp_state", "0"]);
    await must(lab, ["ip", "link", "set", "dev", "br9", "up"]);
    await must(lab, ["ip", "addr", "add", "10.79.0.1/24", "dev", "br9"]);
    const fresh = await lab.snapshot();
    const link = async () => JSON.parse(await must(lab, ["ip", "-json", "link", "show", "dev", "br9"]))[0];
    assert.ok((await link()).flags.includes("LOWER_UP"), "a bridge that never had a port has carrier");
    const args = ["run", "veth-bridge", "--name", "e1", "--bridge", "br9"];
    const refused = await lab.nsrecipe(args);
    assert.equal(refused.code, EXIT.precondition, refused.stderr);
    assert.match(
      refused.stderr,
      /Bridge 'br9' has no port: .* carrier off .*: undo could not put it back as it is now/,
    );
    assert.equal(snapshotDiff(fresh, await lab.snapshot()), "", "nothing changed");

    // Accepted: the kernel does what the refusal said, and nothing else differs.
    const forced = await lab.nsrecipe([...args, "--force"]);
    assert.equal(forced.code, EXIT.ok, forced.stderr);
    assert.match(forced.stderr, /accepted with --force\)\. To keep its MAC: ip link set dev br9 address /);
    assert.equal((await lab.nsrecipe(["undo"])).code, EXIT.ok);
    const after = await link();
    assert.deepEqual([after.flags.includes("NO-CARRIER"), after.address], [true, "00:00:00:00:00:00"]);

    // Now as its last port's leaving leaves it: taken without --force, and undo puts it back exactly.
    const left = await lab.snapshot();
    const again = await lab.nsrecipe(args);
    assert.equal(again.code, EXIT.ok, again.stderr);
    assert.doesNotMatch(again.stderr, /has no port/);
    assert.equal((await lab.nsrecipe(["undo"])).code, EXIT.ok);
    assert.equal(snapshotDiff(left, await lab.snapshot()), "");
  });
});
