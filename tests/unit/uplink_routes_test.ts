import assert from "node:assert/strict";
import { selectUplink, uplinkMigrationSteps } from "../../recipes/uplink.ts";
import { isAddressPrefixRoute, movableRoutes, orderByDependency } from "../../recipes/uplink_routes.ts";
import { EMPTY_FACTS, type HostFacts, type IpAddrInfo } from "../../src/host/mod.ts";
import { planCommands, type RouteSpec } from "../../src/steps/mod.ts";

const eth0 = {
  ifindex: 2,
  ifname: "eth0",
  flags: ["BROADCAST", "UP"],
  mtu: 1500,
  operstate: "UP",
  address: "02:00:00:00:10:10",
};

/** Issue 9 case 1: NetworkManager adds addresses with noprefixroute and their subnet routes itself. */
const NM: HostFacts = {
  ...EMPTY_FACTS,
  links: [...EMPTY_FACTS.links, eth0],
  addrs: [{
    ifname: "eth0",
    addr_info: [
      { family: "inet", local: "198.51.100.10", prefixlen: 24, scope: "global", noprefixroute: true },
      { family: "inet6", local: "2001:db8:1::10", prefixlen: 64, scope: "global", noprefixroute: true },
      { family: "inet6", local: "fe80::ff:fe00:1010", prefixlen: 64, scope: "link", noprefixroute: true },
    ],
  }],
  routes4: [
    { dst: "default", gateway: "198.51.100.1", dev: "eth0", protocol: "static", metric: 100, flags: [] },
    {
      dst: "198.51.100.0/24",
      dev: "eth0",
      protocol: "kernel",
      scope: "link",
      prefsrc: "198.51.100.10",
      metric: 100,
      flags: [],
    },
  ],
  routes6: [
    { dst: "2001:db8:1::/64", dev: "eth0", protocol: "kernel", metric: 100, pref: "medium", flags: [] },
    { dst: "fe80::/64", dev: "eth0", protocol: "kernel", metric: 1024, pref: "medium", flags: [] },
    { dst: "default", gateway: "2001:db8:1::1", dev: "eth0", protocol: "static", metric: 100, flags: [] },
  ],
};

Deno.test("case 1: a 'proto kernel' subnet route of a noprefixroute address moves, before the default that relies on it", () => {
  const cmds = planCommands(uplinkMigrationSteps(selectUplink(NM), "br0", NM)).map((a) => a.join(" "));
  assert.deepEqual(cmds.filter((c) => c.includes(" route ")), [
    "ip -6 route del default via 2001:db8:1::1 dev eth0 proto static metric 100",
    "ip -6 route del fe80::/64 dev eth0 proto kernel metric 1024",
    "ip -6 route del 2001:db8:1::/64 dev eth0 proto kernel metric 100",
    "ip -4 route del default via 198.51.100.1 dev eth0 proto static metric 100",
    "ip -4 route del 198.51.100.0/24 dev eth0 proto kernel src 198.51.100.10 metric 100",
    "ip -4 route add 198.51.100.0/24 dev br0 proto kernel src 198.51.100.10 metric 100",
    "ip -4 route add default via 198.51.100.1 dev br0 proto static metric 100",
    "ip -6 route add 2001:db8:1::/64 dev br0 proto kernel metric 100",
    "ip -6 route add fe80::/64 dev br0 proto kernel metric 1024",
    "ip -6 route add default via 2001:db8:1::1 dev br0 proto static metric 100",
  ]);
  assert.ok(cmds.includes("ip addr add 198.51.100.10/24 noprefixroute dev br0"));
});

Deno.test("an address's own prefix route stays (it follows the address); one with another metric, table or src moves", () => {
  const a: IpAddrInfo[] = [
    { family: "inet", local: "198.51.100.10", prefixlen: 24, scope: "global" },
    { family: "inet", local: "192.0.2.5", prefixlen: 24, scope: "global", metric: 55 },
    { family: "inet6", local: "2001:db8:1::10", prefixlen: 64, scope: "global" },
  ];
  const r = (dst: string, extra: Record<string, unknown> = {}) => ({
    dst,
    dev: "eth0",
    protocol: "kernel",
    flags: [],
    ...extra,
  });
  assert.equal(isAddressPrefixRoute(r("198.51.100.0/24", { prefsrc: "198.51.100.10" }), 4, a), true);
  assert.equal(isAddressPrefixRoute(r("192.0.2.0/24", { prefsrc: "192.0.2.5", metric: 55 }), 4, a), true);
  assert.equal(isAddressPrefixRoute(r("2001:db8:1::/64", { metric: 256 }), 6, a), true);
  assert.equal(isAddressPrefixRoute(r("198.51.100.0/24", { prefsrc: "198.51.100.10", metric: 100 }), 4, a), false);
  assert.equal(isAddressPrefixRoute(r("198.51.100.0/24", { prefsrc: "198.51.100.10", table: "100" }), 4, a), false);
  assert.equal(isAddressPrefixRoute(r("198.51.100.0/24", { prefsrc: "198.51.100.99" }), 4, a), false);
  assert.equal(isAddressPrefixRoute(r("2001:db8:1::/64", { metric: 100 }), 6, a), false);
  assert.equal(isAddressPrefixRoute(r("198.51.100.0/24", { prefsrc: "198.51.100.10", protocol: "boot" }), 4, a), false);
});

Deno.test("case 2: a gateway reached through a host route comes after it, in each table and family; onlink needs nothing", () => {
  const route = (dst: string, extra: Partial<RouteSpec> = {}): RouteSpec => ({ family: 4, dst, dev: "eth0", ...extra });
  const order = orderByDependency([
    route("default", { via: "203.0.113.1", metric: 100 }),
    route("default", { via: "203.0.113.1", table: "100" }),
    route("192.0.2.128/25", { via: "203.0.113.9", onlink: true }),
    route("203.0.113.1", { scope: "link" }),
    route("203.0.113.1", { scope: "link", table: "100" }),
    { family: 6, dst: "default", via: "2001:db8:ff::1", dev: "eth0" },
    { family: 6, dst: "2001:db8:ff::1", dev: "eth0" },
  ]).map((r) => `${r.family} ${r.dst}${r.table ? ` table ${r.table}` : ""}`);
  assert.deepEqual(order, [
    "4 203.0.113.1",
    "4 203.0.113.1 table 100",
    "4 default",
    "4 default table 100",
    "4 192.0.2.128/25",
    "6 2001:db8:ff::1",
    "6 default",
  ]);
});

Deno.test("case 2: movableRoutes keeps table order where nothing depends, and puts the host route first", () => {
  const facts: HostFacts = {
    ...EMPTY_FACTS,
    links: [...EMPTY_FACTS.links, eth0],
    addrs: [{
      ifname: "eth0",
      addr_info: [{ family: "inet", local: "198.51.100.10", prefixlen: 32, scope: "global" }],
    }],
    routes4: [
      { dst: "default", gateway: "203.0.113.1", dev: "eth0", metric: 100, protocol: "boot", flags: [] },
      { dst: "10.9.0.0/16", gateway: "198.51.100.254", dev: "eth0", protocol: "boot", flags: ["onlink"] },
      { dst: "203.0.113.1", dev: "eth0", protocol: "boot", scope: "link", flags: [] },
    ],
  };
  assert.deepEqual(movableRoutes(facts, "eth0").map((r) => r.dst), ["203.0.113.1", "default", "10.9.0.0/16"]);
});
