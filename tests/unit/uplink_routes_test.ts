import assert from "node:assert/strict";
import { selectUplink, uplinkMigrationSteps } from "../../recipes/uplink.ts";
import {
  isAddressPrefixRoute,
  movableRoutes,
  orderByDependency,
  unmovableRoutes,
} from "../../recipes/uplink_routes.ts";
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

/** A NetworkManager-style IPv6 uplink with its RA routes, a DHCPv6 route, an admin's AnyIP routes in table local. */
const RA_LOCAL: HostFacts = {
  ...EMPTY_FACTS,
  links: [...EMPTY_FACTS.links, eth0],
  addrs: [{
    ifname: "eth0",
    addr_info: [
      { family: "inet", local: "198.51.100.10", prefixlen: 24, scope: "global" },
      { family: "inet6", local: "2001:db8:1::10", prefixlen: 64, scope: "global", noprefixroute: true },
      { family: "inet6", local: "fe80::ff:fe00:1010", prefixlen: 64, scope: "link" },
    ],
  }],
  routes4: [
    { dst: "default", gateway: "198.51.100.1", dev: "eth0", metric: 100, flags: [] },
    { dst: "198.51.100.0/24", dev: "eth0", protocol: "kernel", scope: "link", prefsrc: "198.51.100.10", flags: [] },
    {
      type: "local",
      dst: "198.51.100.10",
      dev: "eth0",
      table: "local",
      protocol: "kernel",
      scope: "host",
      prefsrc: "198.51.100.10",
      flags: [],
    },
    {
      type: "broadcast",
      dst: "198.51.100.255",
      dev: "eth0",
      table: "local",
      protocol: "kernel",
      scope: "link",
      prefsrc: "198.51.100.10",
      flags: [],
    },
    { type: "local", dst: "203.0.113.0/24", dev: "eth0", table: "local", scope: "host", flags: [] },
    { type: "multicast", dst: "224.0.0.0/4", dev: "eth0", table: "local", protocol: "static", flags: [] },
  ],
  routes6: [
    { dst: "2001:db8:1::/64", dev: "eth0", protocol: "ra", metric: 100, pref: "medium", flags: [] },
    {
      dst: "2001:db8:5::/64",
      gateway: "fe80::1",
      dev: "eth0",
      protocol: "ra",
      metric: 1024,
      expires: 1799,
      pref: "high",
      flags: [],
    },
    {
      dst: "2001:db8:6::/64",
      gateway: "2001:db8:1::1",
      dev: "eth0",
      protocol: "dhcp",
      metric: 100,
      pref: "low",
      flags: [],
    },
    { dst: "fe80::/64", dev: "eth0", protocol: "kernel", metric: 256, pref: "medium", flags: [] },
    { dst: "default", gateway: "fe80::1", dev: "eth0", protocol: "ra", metric: 100, pref: "medium", flags: [] },
    { type: "local", dst: "2001:db8:1::10", dev: "eth0", table: "local", protocol: "kernel", metric: 0, flags: [] },
    { type: "anycast", dst: "2001:db8:1::", dev: "eth0", table: "local", protocol: "kernel", metric: 0, flags: [] },
    { type: "local", dst: "2001:db8:9::/64", dev: "eth0", table: "local", metric: 1024, pref: "medium", flags: [] },
    { type: "multicast", dst: "ff00::/8", dev: "eth0", table: "local", protocol: "kernel", metric: 256, flags: [] },
  ],
};

Deno.test("F1/F8: RA and DHCPv6 routes move with pref and lifetime; an admin's table-local routes move; the kernel's own stay", () => {
  const routes = movableRoutes(
    { ...RA_LOCAL, routes4: RA_LOCAL.routes4.filter((r) => r.type !== "multicast") },
    "eth0",
  );
  assert.deepEqual(routes.map((r) => planCommands([{ kind: "route-add", route: { ...r, dev: "br0" } }])[0].join(" ")), [
    "ip -4 route add default via 198.51.100.1 dev br0 metric 100",
    "ip -4 route add local 203.0.113.0/24 dev br0 scope host metric 0 table local",
    "ip -6 route add 2001:db8:1::/64 dev br0 proto ra metric 100",
    "ip -6 route add 2001:db8:5::/64 via fe80::1 dev br0 proto ra metric 1024 pref high expires 1799",
    "ip -6 route add 2001:db8:6::/64 via 2001:db8:1::1 dev br0 proto dhcp metric 100 pref low",
    "ip -6 route add default via fe80::1 dev br0 proto ra metric 100",
    "ip -6 route add local 2001:db8:9::/64 dev br0 metric 1024 table local",
  ]);
});

Deno.test("F8: a route through the uplink that cannot be re-created (a multicast route in table local) is refused, the kernel's own are not named", () => {
  assert.deepEqual(unmovableRoutes(RA_LOCAL, "eth0"), ["224.0.0.0/4 table local (type multicast)"]);
  assert.throws(
    () => uplinkMigrationSteps(selectUplink(RA_LOCAL), "br0", RA_LOCAL),
    /cannot move and restore exactly: 224\.0\.0\.0\/4 table local \(type multicast\)/,
  );
});

Deno.test("a route deletion names the route without the attributes only 'add' sets (pref, expires)", () => {
  const r: RouteSpec = { family: 6, dst: "2001:db8:5::/64", via: "fe80::1", dev: "eth0", pref: "high", expires: 30 };
  assert.deepEqual(planCommands([{ kind: "route-del", route: r }])[0], [
    "ip",
    "-6",
    "route",
    "del",
    "2001:db8:5::/64",
    "via",
    "fe80::1",
    "dev",
    "eth0",
  ]);
});

/** H6: routes with realms (carried), metrics, TOS, an encap and a flag nsrecipe does not know (refused). */
const ATTRS: HostFacts = {
  ...NM,
  routes4: [
    ...NM.routes4,
    { dst: "10.62.0.0/16", gateway: "198.51.100.1", dev: "eth0", flags: [], flow: { to: "5" } },
    { dst: "10.63.0.0/16", gateway: "198.51.100.1", dev: "eth0", flags: ["onlink"], flow: { from: "3", to: "5" } },
  ],
};

Deno.test("H6: a route's realms (RTA_FLOW) move with it and come back with the undo's re-add", () => {
  const routes = movableRoutes(ATTRS, "eth0").filter((r) => r.dst.startsWith("10.6"));
  assert.deepEqual(routes.map((r) => planCommands([{ kind: "route-add", route: { ...r, dev: "br0" } }])[0].join(" ")), [
    "ip -4 route add 10.62.0.0/16 via 198.51.100.1 dev br0 metric 0 realm 5",
    "ip -4 route add 10.63.0.0/16 via 198.51.100.1 dev br0 metric 0 onlink realm 3/5",
  ]);
  // The deletion names the route without its realm (`ip route del` matches on what it is given).
  assert.deepEqual(
    planCommands([{ kind: "route-del", route: routes[0] }])[0].join(" "),
    "ip -4 route del 10.62.0.0/16 via 198.51.100.1 dev eth0 metric 0",
  );
  assert.deepEqual(unmovableRoutes(ATTRS, "eth0"), []);
});

Deno.test("H6: every route attribute full-migrate does not carry is refused by name (metrics, tos, encap, unknown keys and flags)", () => {
  const facts: HostFacts = {
    ...NM,
    routes4: [
      ...NM.routes4,
      { dst: "10.64.0.0/16", gateway: "198.51.100.1", dev: "eth0", flags: [], metrics: [{ mtu: 1400, initcwnd: 10 }] },
      { dst: "10.65.0.0/16", gateway: "198.51.100.1", dev: "eth0", flags: [], tos: "0x10" },
      { dst: "10.66.0.0/16", dev: "eth0", flags: [], encap: { type: "mpls" } } as never,
      { dst: "10.67.0.0/16", dev: "eth0", flags: ["pervasive"], "ttl-propagate": "disabled" } as never,
      { dst: "10.68.0.0/16", dev: "eth0", flags: ["linkdown"], tos: "0" },
    ],
  };
  assert.deepEqual(unmovableRoutes(facts, "eth0"), [
    "10.64.0.0/16 (route metrics mtu,initcwnd)",
    "10.65.0.0/16 (tos 0x10)",
    "10.66.0.0/16 (lightweight tunnel encap)",
    "10.67.0.0/16 (attribute 'ttl-propagate', flags pervasive)",
  ]);
});
