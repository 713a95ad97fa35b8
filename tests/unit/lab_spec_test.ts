import assert from "node:assert/strict";
import {
  batchRuns,
  DEFAULT_LAB,
  labBuildCommands,
  labCommands,
  labLateCommands,
  labSpecFromOptions,
} from "../../src/lab/mod.ts";
import { UsageError } from "../../src/errors.ts";

Deno.test("labSpecFromOptions: no options is the default lab", () => {
  assert.deepEqual(labSpecFromOptions({}), DEFAULT_LAB);
});

Deno.test("labSpecFromOptions: the LAN's gateway and other host follow --address's subnet", () => {
  const cases: [Parameters<typeof labSpecFromOptions>[0], string, string][] = [
    [{ address: "10.9.0.10/24", gateway: "10.9.0.1" }, "10.9.0.1", "10.9.0.20"],
    [{ address: "192.0.2.10/24" }, "192.0.2.1", "192.0.2.20"],
    [{ address: "192.0.2.1/24" }, "192.0.2.2", "192.0.2.20"],
    [{ address: "172.16.5.3/29", gateway: "172.16.5.6" }, "172.16.5.6", "172.16.5.1"],
    [{ address: "10.0.0.20/24", gateway: "10.0.0.254" }, "10.0.0.254", "10.0.0.1"],
    [{ address: "10.1.2.3/8" }, "10.0.0.1", "10.0.0.20"],
  ];
  for (const [opts, gateway, lanHost] of cases) {
    const spec = labSpecFromOptions(opts);
    assert.equal(spec.address, opts.address);
    assert.equal(spec.gateway, gateway, JSON.stringify(opts));
    assert.equal(spec.lanHost, lanHost, JSON.stringify(opts));
    // The LAN's IPv4 addresses (its IPv6 ones stay the default's).
    const lanHostRoute = labCommands(spec).map((c) => c.join(" "))
      .filter((c) => c.startsWith("ip -n lab-lanhost addr add") || c.startsWith("ip -n lab-lan addr add"))
      .filter((c) => !c.includes("2001:db8:"));
    const plen = opts.address!.split("/")[1];
    assert.deepEqual(lanHostRoute, [
      `ip -n lab-lan addr add ${gateway}/${plen} dev lanbr`,
      `ip -n lab-lanhost addr add ${lanHost}/${plen} dev eth0`,
    ]);
  }
});

Deno.test("labSpecFromOptions: bad lab input is a usage error, with what to do", () => {
  const cases: [Parameters<typeof labSpecFromOptions>[0], RegExp][] = [
    [{ address: "192.0.2.10/24", gateway: "198.51.100.1" }, /--gateway '198.51.100.1' is not an address inside/],
    [{ address: "192.0.2.10/24", gateway: "192.0.2.10" }, /is the uplink's own address/],
    [{ address: "192.0.2.10/24", gateway: "192.0.2.255" }, /broadcast address/],
    [{ address: "192.0.2.0/24" }, /--address 192.0.2.0 is the network address/],
    [{ address: "192.0.2.10/30" }, /leaves no room for the lab's LAN/],
    [{ address: "192.0.2.10/32" }, /leaves no room for the lab's LAN/],
    [{ address: "2001:db8:9::10/64" }, /is IPv6; it takes the uplink's IPv4 address/],
    [{ address: "127.0.0.10/24" }, /loopback/],
    [{ address: "224.0.0.10/24" }, /multicast/],
    [{ uplink: "lo" }, /'lo' given to --uplink/],
    [{ address: "300.1.1.1/24" }, /is not a CIDR/],
  ];
  for (const [opts, pattern] of cases) {
    assert.throws(() => labSpecFromOptions(opts), (e: unknown) => {
      assert.ok(e instanceof UsageError, `${JSON.stringify(opts)}: ${e}`);
      assert.match(e.message, pattern);
      return true;
    });
  }
});

Deno.test("F12: the lab writes the uplink's IPv6 MTU once the uplink is operationally up (the kernel resets it then), the other settings before", () => {
  const spec = {
    ...DEFAULT_LAB,
    sysctls: [
      { tree: "net.ipv6.conf" as const, dev: "eth0", name: "mtu", value: "1400" },
      { tree: "net.ipv4.conf" as const, dev: "eth0", name: "arp_ignore", value: "1" },
    ],
  };
  const cmds = labCommands(spec).map((c) => c.join(" "));
  const up = cmds.indexOf("ip link set dev eth0 up");
  assert.ok(up > 0, cmds.join("\n"));
  assert.equal(cmds.indexOf("sysctl -q -w net/ipv4/conf/eth0/arp_ignore=1"), up - 1);
  assert.ok(!cmds.some((c) => c.includes("mtu=1400")), "not before the uplink is operationally up");
  assert.deepEqual(labLateCommands(spec), [["sysctl", "-q", "-w", "net/ipv6/conf/eth0/mtu=1400"]]);
  assert.deepEqual(labLateCommands(DEFAULT_LAB), []);
});

Deno.test("labSpecFromOptions: a bad --address is refused with an example the option takes (the default), which it then accepts", () => {
  assert.throws(
    () => labSpecFromOptions({ address: "300.1.1.1/24" }),
    (e: Error) => e.message === "--address '300.1.1.1/24' is not a CIDR like 198.51.100.10/24",
  );
  assert.equal(labSpecFromOptions({ address: DEFAULT_LAB.address }).address, "198.51.100.10/24");
});

Deno.test("batchRuns: consecutive ip commands of one namespace and family become one ip -batch, in order; others stay", () => {
  const commands = [
    ["mount", "-t", "sysfs", "x", "/sys"],
    ["ip", "link", "set", "dev", "lo", "up"],
    ["ip", "netns", "add", "a"],
    ["ip", "netns", "exec", "a", "sysctl", "-q", "-w", "x=0"],
    ["ip", "link", "add", "dev", "v0", "type", "veth"],
    ["ip", "-n", "a", "link", "set", "dev", "lo", "up"],
    ["ip", "-n", "a", "-6", "route", "add", "default", "via", "2001:db8::1", "dev", "eth0"],
    ["ip", "-6", "rule", "add", "priority", "10", "table", "10"],
    ["ip", "-6", "rule", "add", "priority", "11", "table", "11"],
    ["ip", "addr", "add", "192.0.2.1/24", "dev", "v0"],
  ];
  const runs = batchRuns(commands);
  // Each process keeps the commands it runs, in order (a batch's failed line is told as its command).
  assert.deepEqual(runs.map((r) => r.commands.length), [1, 2, 1, 1, 2, 2, 1]);
  assert.deepEqual(runs.flatMap((r) => r.commands), commands);
  assert.deepEqual(
    runs.map(({ argv, stdin }) => stdin === undefined ? { argv } : { argv, stdin }),
    [
      { argv: ["mount", "-t", "sysfs", "x", "/sys"] },
      { argv: ["ip", "-batch", "-"], stdin: "link set dev lo up\nnetns add a\n" },
      { argv: ["ip", "netns", "exec", "a", "sysctl", "-q", "-w", "x=0"] },
      { argv: ["ip", "link", "add", "dev", "v0", "type", "veth"] },
      {
        argv: ["ip", "-n", "a", "-batch", "-"],
        stdin: "link set dev lo up\nroute add ::/0 via 2001:db8::1 dev eth0\n",
      },
      { argv: ["ip", "-6", "-batch", "-"], stdin: "rule add priority 10 table 10\nrule add priority 11 table 11\n" },
      { argv: ["ip", "addr", "add", "192.0.2.1/24", "dev", "v0"] },
    ],
  );
});

Deno.test("labBuildCommands: the lab's commands, every one in order, in about a dozen processes", () => {
  for (const spec of [DEFAULT_LAB, { ...DEFAULT_LAB, address6: "", gateway6: "", lanHost6: "" }]) {
    const built = labBuildCommands(spec);
    // Unbatched again, the processes run exactly labCommands' commands, in order.
    const unbatched = built.flatMap(({ argv, stdin }) =>
      stdin === undefined
        ? [argv.join(" ")]
        : stdin.trimEnd().split("\n").map((l) => `${argv.slice(0, -2).join(" ")} ${l}`)
    );
    const plain = labCommands(spec).map((c) =>
      c.join(" ").replace(/^(ip(?: -n \S+)?) -6 route add default/, "$1 route add ::/0")
    );
    assert.deepEqual(unbatched, plain);
    assert.ok(built.length <= 12, `${built.length} processes`);
    assert.ok(
      built.filter((c) => c.stdin !== undefined).length >= 3,
      "the host's and each LAN namespace's ip run batched",
    );
  }
});
