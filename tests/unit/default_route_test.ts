import assert from "node:assert/strict";
import { selectUplink } from "../../recipes/uplink.ts";
import { vethBridge } from "../../recipes/veth_bridge.ts";
import { resolveUplink } from "../../src/doctor/mod.ts";
import { defaultGateway, defaultRoute, defaultRouteDevice, type HostFacts, type IpRoute } from "../../src/host/mod.ts";
import { labHost, link } from "../support/doctor_facts.ts";

const def = (dev: string, gateway: string, extra: Partial<IpRoute> = {}): IpRoute => ({
  dst: "default",
  gateway,
  dev,
  flags: [],
  ...extra,
});

Deno.test("defaultRoute: the lowest metric wins, whatever the order they are listed in", () => {
  const routes = [def("eth1", "203.0.113.1", { metric: 600 }), def("eth0", "198.51.100.1", { metric: 100 })];
  assert.equal(defaultRoute(routes)?.dev, "eth0");
  assert.equal(defaultRoute([...routes].reverse())?.dev, "eth0");
});

Deno.test("defaultRoute: an IPv4 route without a metric has metric 0 and beats metric 100", () => {
  assert.equal(defaultRoute([def("eth0", "198.51.100.1", { metric: 100 }), def("eth1", "203.0.113.1")])?.dev, "eth1");
});

Deno.test("defaultRoute: among equal metrics the first listed wins (the kernel's order)", () => {
  const routes = [def("eth1", "203.0.113.1", { metric: 100 }), def("eth0", "198.51.100.1", { metric: 100 })];
  assert.equal(defaultRoute(routes)?.dev, "eth1");
  assert.equal(defaultRoute([...routes].reverse())?.dev, "eth0");
});

Deno.test("defaultRoute: other tables, other types, multipath routes (no device) and routes of another device do not count", () => {
  const routes = [
    def("eth1", "192.0.2.1", { metric: 1, table: "100" }),
    { dst: "default", dev: "lo", type: "unreachable", metric: 0, flags: [] },
    { dst: "default", metric: 0, flags: [], nexthops: [{ gateway: "192.0.2.9", dev: "eth2" }] },
    def("eth0", "198.51.100.1", { metric: 100 }),
    def("eth1", "203.0.113.1", { metric: 200 }),
  ];
  assert.equal(defaultRoute(routes)?.dev, "eth0");
  assert.equal(defaultRoute(routes, "eth1")?.gateway, "203.0.113.1");
  assert.equal(defaultRoute(routes, "eth2"), undefined);
});

Deno.test("defaultRouteDevice: IPv4's first, else IPv6's; none without a default route", () => {
  const v6only = labHost({
    routes4: [],
    routes6: [def("eth1", "2001:db8:2::1", { metric: 1024 }), def("eth0", "2001:db8:1::1", { metric: 100 })],
  });
  assert.equal(defaultRouteDevice(v6only), "eth0");
  assert.equal(defaultGateway(v6only, "eth1", 6), "2001:db8:2::1");
  assert.equal(defaultGateway(v6only, "eth1", 4), undefined);
  assert.equal(defaultRouteDevice(labHost({ routes4: [], routes6: [] })), undefined);
});

/** Hosts where the first default route listed is not the one the kernel uses. */
const HOSTS: [string, HostFacts, string][] = [
  [
    "a Wi-Fi default (metric 600) listed before the wired one (metric 100)",
    labHost({
      links: [...labHost().links, link("eth1", 3, "veth")],
      routes4: [def("eth1", "203.0.113.1", { metric: 600 }), def("eth0", "198.51.100.1", { metric: 100 })],
    }),
    "eth0",
  ],
  [
    "a policy table's default listed before the main table's",
    labHost({
      links: [...labHost().links, link("eth1", 3, "veth")],
      routes4: [def("eth1", "203.0.113.1", { table: "100" }), def("eth0", "198.51.100.1", { metric: 100 })],
    }),
    "eth0",
  ],
  [
    "IPv6 only, the higher metric listed first",
    labHost({
      links: [...labHost().links, link("eth1", 3, "veth")],
      routes4: [],
      routes6: [def("eth1", "2001:db8:2::1", { metric: 1024 }), def("eth0", "2001:db8:1::1", { metric: 100 })],
    }),
    "eth0",
  ],
];

for (const [what, host, uplink] of HOSTS) {
  Deno.test(`doctor, full-migrate and veth-bridge --nat pick the same uplink: ${what}`, () => {
    assert.equal(resolveUplink(host)?.dev, uplink, "doctor");
    assert.equal(selectUplink(host).ifname, uplink, "full-migrate");
    const plan = vethBridge.plan(vethBridge.params.parse({ name: "n", nat: true }), host);
    const nat = plan.steps.find((s) => s.kind === "nat-add");
    assert.equal(nat?.kind === "nat-add" ? nat.uplink : undefined, uplink, "veth-bridge --nat");
  });
}
