import assert from "node:assert/strict";
import { addressesLeftOut, movableRoutes, selectUplink, uplinkMigrationSteps } from "../../recipes/uplink.ts";
import { PreconditionError } from "../../src/errors.ts";
import { defaultGateway, defaultRouteDevice, EMPTY_FACTS, type HostFacts } from "../../src/host/mod.ts";
import { planCommands } from "../../src/steps/mod.ts";

/** The K10 lab: eth0 with a primary and a secondary IPv4 address, IPv6, a static route and two defaults. */
const K10: HostFacts = {
  ...EMPTY_FACTS,
  links: [
    ...EMPTY_FACTS.links,
    {
      ifindex: 2,
      ifname: "eth0",
      flags: ["BROADCAST", "UP"],
      mtu: 1500,
      operstate: "UP",
      address: "02:00:00:00:10:10",
    },
    {
      ifindex: 3,
      ifname: "eth1",
      flags: ["BROADCAST", "UP"],
      mtu: 1500,
      operstate: "UP",
      address: "02:00:00:00:10:11",
    },
  ],
  addrs: [{
    ifname: "eth0",
    addr_info: [
      { family: "inet", local: "198.51.100.10", prefixlen: 24, broadcast: "198.51.100.255", scope: "global" },
      { family: "inet", local: "198.51.100.11", prefixlen: 24, scope: "global", secondary: true, label: "eth0:1" },
      { family: "inet6", local: "2001:db8:1::10", prefixlen: 64, scope: "global", nodad: true },
      { family: "inet6", local: "fe80::ff:fe00:1010", prefixlen: 64, scope: "link" },
    ],
  }],
  routes4: [
    { dst: "default", gateway: "198.51.100.1", dev: "eth0", protocol: "boot", metric: 100, flags: [] },
    { dst: "default", gateway: "203.0.113.1", dev: "eth1", protocol: "boot", metric: 200, flags: [] },
    { dst: "198.51.100.0/24", dev: "eth0", protocol: "kernel", scope: "link", prefsrc: "198.51.100.10", flags: [] },
    { dst: "203.0.113.0/24", gateway: "198.51.100.254", dev: "eth0", protocol: "boot", flags: [] },
    { type: "local", dst: "198.51.100.10", dev: "eth0", table: "local", protocol: "kernel", flags: [] },
  ],
  routes6: [
    { dst: "2001:db8:1::/64", dev: "eth0", protocol: "kernel", metric: 256, flags: [] },
    { dst: "fe80::/64", dev: "eth0", protocol: "kernel", metric: 256, flags: [] },
    { dst: "default", gateway: "2001:db8:1::1", dev: "eth0", protocol: "boot", metric: 100, flags: [] },
  ],
};

Deno.test("the uplink is the device of the IPv4 default route, and its gateway is that route's", () => {
  assert.equal(defaultRouteDevice(K10), "eth0");
  assert.equal(selectUplink(K10).ifname, "eth0");
  assert.equal(defaultGateway(K10, "eth0", 4), "198.51.100.1");
  assert.equal(defaultGateway(K10, "eth0", 6), "2001:db8:1::1");
});

Deno.test("K10/K11: only the uplink's own non-kernel routes move; eth1's default stays", () => {
  assert.deepEqual(movableRoutes(K10, "eth0").map((r) => `${r.family} ${r.dst} ${r.via}`), [
    "4 default 198.51.100.1",
    "4 203.0.113.0/24 198.51.100.254",
    "6 default 2001:db8:1::1",
  ]);
});

Deno.test("K10: addresses go to the bridge first, then the uplink is enslaved, routes are deleted then re-added, addresses leave secondaries first", () => {
  const cmds = planCommands(uplinkMigrationSteps(selectUplink(K10), "br0", K10)).map((a) => a.join(" "));
  assert.deepEqual(cmds, [
    "ip addr add 198.51.100.10/24 broadcast 198.51.100.255 dev br0",
    "ip addr add 198.51.100.11/24 label br0:1 dev br0",
    "ip addr add 2001:db8:1::10/64 nodad dev br0",
    "ip link set dev eth0 master br0",
    "ip -6 route del default via 2001:db8:1::1 dev eth0 proto boot metric 100",
    "ip -4 route del 203.0.113.0/24 via 198.51.100.254 dev eth0 proto boot metric 0",
    "ip -4 route del default via 198.51.100.1 dev eth0 proto boot metric 100",
    "ip -4 route add default via 198.51.100.1 dev br0 proto boot metric 100",
    "ip -4 route add 203.0.113.0/24 via 198.51.100.254 dev br0 proto boot metric 0",
    "ip -6 route add default via 2001:db8:1::1 dev br0 proto boot metric 100",
    "ip addr del 2001:db8:1::10/64 dev eth0",
    "ip addr del 198.51.100.11/24 dev eth0",
    "ip addr del 198.51.100.10/24 dev eth0",
  ]);
});

Deno.test("K14: an uplink that is a bridge, has a master, is wireless or is missing is refused before any change", () => {
  const withLink = (patch: Partial<HostFacts["links"][number]>, extra: Partial<HostFacts> = {}): HostFacts => ({
    ...K10,
    ...extra,
    links: K10.links.map((l) => (l.ifname === "eth0" ? { ...l, ...patch } : l)),
  });
  const refuses = (facts: HostFacts, re: RegExp, name?: string) =>
    assert.throws(() => selectUplink(facts, name), (e) => e instanceof PreconditionError && re.test(e.message));
  refuses(withLink({ linkinfo: { info_kind: "bridge" } }), /is itself a bridge/);
  refuses(withLink({ master: "br9" }), /already enslaved to 'br9'/);
  refuses(withLink({}, { wireless: ["eth0"] }), /is wireless/);
  refuses(K10, /'eth7' does not exist/, "eth7");
  refuses({ ...EMPTY_FACTS }, /no default route/);
});

Deno.test("DHCP-managed addresses on the uplink are refused unless forced, naming their lifetimes", () => {
  const dyn: HostFacts = {
    ...K10,
    addrs: [{
      ifname: "eth0",
      addr_info: [{
        family: "inet",
        local: "198.51.100.10",
        prefixlen: 24,
        scope: "global",
        dynamic: true,
        valid_life_time: 300,
        preferred_life_time: 300,
      }],
    }],
  };
  assert.throws(() => uplinkMigrationSteps(selectUplink(dyn), "br0", dyn), /DHCP-managed.*valid 300 s/);
  const forced = planCommands(uplinkMigrationSteps(selectUplink(dyn), "br0", dyn, { force: true }));
  assert.deepEqual(forced[0], [
    "ip",
    "addr",
    "add",
    "198.51.100.10/24",
    "valid_lft",
    "300",
    "preferred_lft",
    "300",
    "dev",
    "br0",
  ]);
});

Deno.test("M6: a SLAAC address (mngtmpaddr) is named as autoconfigured from router advertisements, not as DHCP-managed", () => {
  const slaac = {
    family: "inet6" as const,
    local: "2001:db8:0:1:5054:ff:fe12:3456",
    prefixlen: 64,
    scope: "global",
    dynamic: true,
    mngtmpaddr: true,
    valid_life_time: 86400,
    preferred_life_time: 14400,
  };
  const lease = { ...slaac, family: "inet" as const, local: "198.51.100.10", prefixlen: 24, mngtmpaddr: undefined };
  const refusal = (addr_info: (typeof slaac | typeof lease)[]) => {
    const facts: HostFacts = { ...K10, addrs: [{ ifname: "eth0", addr_info }] };
    try {
      uplinkMigrationSteps(selectUplink(facts), "br0", facts);
    } catch (e) {
      if (e instanceof PreconditionError) return `${e.message}\n${e.hint}`;
      throw e;
    }
    assert.fail("not refused");
  };
  assert.equal(
    refusal([slaac]),
    "The uplink 'eth0' has IPv6 addresses autoconfigured from router advertisements (SLAAC, no DHCP client): " +
      "2001:db8:0:1:5054:ff:fe12:3456/64 (valid 86400 s); on 'br0' they are copied with their remaining lifetime, " +
      "which only advertisements received on 'br0' renew\n" +
      "Pass --force to go ahead (the kernel autoconfigures the bridge from the next advertisements if it accepts " +
      "them), or give the host static addresses first.",
  );
  const both = refusal([lease, slaac]);
  assert.match(
    both,
    /^The uplink 'eth0' has DHCP-managed \(dynamic\) addresses: 198\.51\.100\.10\/24 \(valid 86400 s\);/,
  );
  assert.match(both, /; and IPv6 addresses autoconfigured from router advertisements \(SLAAC, no DHCP client\): 2001:/);
  assert.match(both, /\nGive the host a static address first, or pass --force and move the DHCP client/);
  assert.doesNotMatch(refusal([slaac]), /DHCP client would lose/);
});

/** H9/H10: the uplink of K10 with a privacy address, one that failed DAD and one still in DAD. */
function withAddrs(...extra: HostFacts["addrs"][0]["addr_info"]): HostFacts {
  return { ...K10, addrs: [{ ifname: "eth0", addr_info: [...K10.addrs[0].addr_info, ...extra] }] };
}
const V6 = { family: "inet6" as const, prefixlen: 64, scope: "global" };

Deno.test("H9/H10: privacy (temporary) and DAD-failed addresses are neither copied nor deleted, no refusal names them, the plan notes say why", () => {
  const facts = withAddrs(
    { ...V6, local: "2001:db8:1::20", tentative: true, dadfailed: true },
    { ...V6, local: "2001:db8:1:0:62bd:75ea:f80e:a70b", temporary: true, dynamic: true, valid_life_time: 604798 },
    { ...V6, local: "2001:db8:1::60", mngtmpaddr: true },
  );
  const cmds = planCommands(uplinkMigrationSteps(selectUplink(facts), "br0", facts)).map((c) => c.join(" "));
  assert.deepEqual(cmds.filter((c) => /2001:db8:1::20\/|62bd/.test(c)), []);
  assert.ok(cmds.includes("ip addr add 2001:db8:1::60/64 nodad mngtmpaddr dev br0"), cmds.join("\n"));
  assert.deepEqual(addressesLeftOut(facts, "eth0", "br0"), [
    "Left disabled on 'eth0', not moved: 2001:db8:1::20/64 failed duplicate address detection (another host on the LAN holds it); undo leaves it as it is.",
    "Not copied: privacy address 2001:db8:1:0:62bd:75ea:f80e:a70b/64 (temporary, made by the kernel); the kernel makes new ones on 'br0' from the 'mngtmpaddr' address (use_tempaddr is carried) and on 'eth0' again after undo; connections using 2001:db8:1:0:62bd:75ea:f80e:a70b end.",
  ]);
  assert.deepEqual(addressesLeftOut(K10, "eth0", "br0"), []);
});

Deno.test("H10: an address still in duplicate address detection (tentative, not optimistic) is refused; an optimistic one moves", () => {
  const facts = withAddrs({ ...V6, local: "2001:db8:1::30", tentative: true });
  assert.throws(
    () => uplinkMigrationSteps(selectUplink(facts), "br0", facts, { force: true }),
    /addresses still in duplicate address detection \(tentative\): 2001:db8:1::30\/64/,
  );
  const optimistic = withAddrs({ ...V6, local: "2001:db8:1::30", tentative: true, optimistic: true });
  const cmds = planCommands(uplinkMigrationSteps(selectUplink(optimistic), "br0", optimistic)).map((c) => c.join(" "));
  assert.ok(cmds.includes("ip addr add 2001:db8:1::30/64 nodad optimistic dev br0"), cmds.join("\n"));
});

Deno.test("H1: the prefix route of an IPv6 address with a finite lifetime is deleted after the address (undo appends it back); a permanent address's is left to the kernel", () => {
  const dyn = { ...V6, local: "2001:db8:2::1", dynamic: true, valid_life_time: 5000, preferred_life_time: 4000 };
  const prefix = (dst: string) => ({ dst, dev: "eth0", protocol: "kernel", metric: 256, flags: [], expires: 4990 });
  const facts: HostFacts = {
    ...withAddrs(dyn, { ...V6, local: "2001:db8:3::1" }),
    routes6: [...K10.routes6, prefix("2001:db8:2::/64"), prefix("2001:db8:3::/64")],
  };
  const steps = uplinkMigrationSteps(selectUplink(facts), "br0", facts, { force: true });
  const last = steps[steps.length - 1];
  assert.deepEqual(last, {
    kind: "route-del",
    route: { family: 6, dst: "2001:db8:2::/64", dev: "eth0", proto: "kernel", metric: 256, expires: 4990 },
    appendOnRevert: true,
  });
  assert.deepEqual(steps.filter((s) => s.kind === "route-del" && s.route.dst.startsWith("2001:db8:3")), []);
  assert.ok(
    steps.findIndex((s) => s.kind === "addr-del" && s.addr.local === "2001:db8:2::1") < steps.length - 1,
    "after the address",
  );
});
