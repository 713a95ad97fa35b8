import assert from "node:assert/strict";
import { type ExecResult, recordingRunner } from "../../src/exec/mod.ts";
import { gatherFacts } from "../../src/host/mod.ts";

/** A host with `n` veth pairs besides lo and its uplink eth0 (a wireless device when `wlan`). */
function crowdedHost(n: number, wlan = false) {
  const links = [
    { ifindex: 1, ifname: "lo", flags: ["LOOPBACK", "UP"], mtu: 65536, operstate: "UNKNOWN", link_type: "loopback" },
    { ifindex: 2, ifname: "eth0", flags: ["UP"], mtu: 1500, operstate: "UP", link_type: "ether" },
    ...Array.from({ length: 2 * n }, (_, i) => ({
      ifindex: 3 + i,
      ifname: `v${i}`,
      flags: [],
      mtu: 1500,
      operstate: "DOWN",
      link_type: "ether",
      linkinfo: { info_kind: "veth" },
    })),
  ];
  return (argv: readonly string[]): Partial<ExecResult> => {
    const a = argv.join(" ");
    if (a === "ip -json -details link show") return { stdout: JSON.stringify(links) };
    if (a === "ip -json -4 route show table all") {
      return { stdout: JSON.stringify([{ dst: "default", gateway: "198.51.100.1", dev: "eth0", flags: [] }]) };
    }
    if (a.startsWith("ip -json")) return { stdout: "[]" };
    if (a === "cat /sys/class/net/eth0/uevent") return { stdout: `INTERFACE=eth0\n${wlan ? "DEVTYPE=wlan\n" : ""}` };
    return {};
  };
}

Deno.test("gatherFacts runs as many commands for 3,000 links as for 2, and reads sysfs and sysctls only for the uplink", async () => {
  const small = recordingRunner(crowdedHost(1));
  const big = recordingRunner(crowdedHost(1500));
  await gatherFacts(small.run);
  const facts = await gatherFacts(big.run);
  assert.equal(facts.links.length, 3002);
  const lines = big.calls.map((c) => c.argv.join(" "));
  assert.deepEqual(lines, small.calls.map((c) => c.argv.join(" ")));
  assert.deepEqual(lines.filter((l) => l.includes("/sys/")), ["cat /sys/class/net/eth0/uevent"]);
  // The neighbour trees have no `all` (ip-sysctl.rst); `-e` leaves out their `default` outside the initial netns.
  // (-N lists the names; this fake host lists none, so no value is read.)
  assert.deepEqual(lines.filter((l) => l.startsWith("sysctl ") && l.includes("/conf/")), [
    "sysctl -N -e net/ipv4/conf/all net/ipv4/conf/default net/ipv4/conf/lo net/ipv4/conf/eth0 " +
    "net/ipv6/conf/all net/ipv6/conf/default net/ipv6/conf/lo net/ipv6/conf/eth0 " +
    "net/ipv4/neigh/default net/ipv4/neigh/lo net/ipv4/neigh/eth0 " +
    "net/ipv6/neigh/default net/ipv6/neigh/lo net/ipv6/neigh/eth0",
  ]);
});

Deno.test("gatherFacts: a wireless uplink is named in `wireless`; --uplink names which link is looked at", async () => {
  assert.deepEqual((await gatherFacts(recordingRunner(crowdedHost(2, true)).run)).wireless, ["eth0"]);
  assert.deepEqual((await gatherFacts(recordingRunner(crowdedHost(2, false)).run)).wireless, []);
  const other = recordingRunner(crowdedHost(2, true));
  assert.deepEqual((await gatherFacts(other.run, { uplink: "v1" })).wireless, []);
  assert.deepEqual(other.calls.map((c) => c.argv.join(" ")).filter((l) => l.includes("/sys/")), [
    "cat /sys/class/net/v1/uevent",
  ]);
});

Deno.test("gatherFacts with wiring: false (a plan that only makes a namespace) reads no ruleset, no forwarding sysctls and no IPv6 rules", async () => {
  const netns = JSON.stringify([{ name: "other" }]);
  const respond = (argv: readonly string[]): Partial<ExecResult> =>
    argv.join(" ") === "ip -json -details -batch -"
      ? { stdout: ["[]", "[]", "[]", "[]", "[]", "[]", "[]", "[]", netns].join("\n") + "\n" }
      : argv[0] === "nft"
      ? { stdout: '{"nftables":[{"table":{"family":"inet","name":"t"}}]}' }
      : argv[0] === "sysctl"
      ? { stdout: "net.ipv4.ip_forward = 1\n" }
      : { stdout: "[]" };
  const wired = recordingRunner(respond);
  const all = await gatherFacts(wired.run, { linkSettings: false });
  assert.equal(all.ipForward, "1");
  assert.equal(all.nftables?.length, 1);
  const named = recordingRunner(respond);
  const facts = await gatherFacts(named.run, { linkSettings: false, wiring: false });
  assert.deepEqual(named.calls.map((c) => c.argv.join(" ")), ["ip -json -details -batch -"]);
  assert.deepEqual(facts.netns.map((n) => n.name), ["other"]);
  assert.deepEqual([facts.nftables, facts.rules6, facts.netnsAddresses, facts.ipForward], [[], [], [], "0"]);
  // With wiring (the default) the ruleset, the sysctls and the IPv6 rules are read besides the batch.
  assert.deepEqual(
    wired.calls.map((c) => c.argv[0] === "ip" ? c.argv.join(" ") : c.argv[0]).filter((l) =>
      l !== "ip -json -details -batch -"
    )
      .sort(),
    ["ip -json -details -6 rule show", "nft", "sysctl"],
  );
  // A plan that wires links but routes nothing out (veth-bridge without --nat): IPv4 forwarding is not read.
  const unrouted = recordingRunner(respond);
  const u = await gatherFacts(unrouted.run, { linkSettings: false, forwarding: false });
  assert.deepEqual(unrouted.calls.filter((c) => c.argv[0] === "sysctl"), []);
  assert.equal(u.ipForward, "0");
  assert.equal(u.nftables?.length, 1);
});
