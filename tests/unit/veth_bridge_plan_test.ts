import assert from "node:assert/strict";
import { vethNames } from "../../recipes/attach.ts";
import { pickFreeSubnet, vethBridge } from "../../recipes/veth_bridge.ts";
import { natTable } from "../../recipes/nat_table.ts";
import { applyGroups } from "../../src/engine/apply_batch.ts";
import { PreconditionError, UsageError } from "../../src/errors.ts";
import { EMPTY_FACTS, type HostFacts } from "../../src/host/mod.ts";
import { kindOf, planCommands } from "../../src/steps/mod.ts";

const plan = (opts: Record<string, unknown>, facts: HostFacts = EMPTY_FACTS) =>
  vethBridge.plan(vethBridge.params.parse(opts), facts);

const br0: HostFacts = {
  ...EMPTY_FACTS,
  links: [...EMPTY_FACTS.links, {
    ifindex: 5,
    ifname: "br0",
    flags: ["UP"],
    mtu: 1500,
    operstate: "UP",
    linkinfo: { info_kind: "bridge", info_data: { stp_state: 0 } },
  }, {
    // An earlier run's veth: a bridge a run made has its port (one with none is refused, see bridge_ports_test.ts).
    ifindex: 6,
    ifname: "veth-a",
    flags: ["UP"],
    mtu: 1500,
    operstate: "UP",
    master: "br0",
    linkinfo: { info_kind: "veth" },
  }],
  addrs: [{ ifname: "br0", addr_info: [{ family: "inet", local: "10.200.0.1", prefixlen: 24, scope: "global" }] }],
  routes4: [{ dst: "10.200.0.0/24", dev: "br0", protocol: "kernel", scope: "link", flags: [] }],
  netnsAddresses: ["127.0.0.1", "10.200.0.2"],
};

Deno.test("plan() for veth-bridge: the host's side (netns, veth, move, bridge with STP off, address, enslave, up), then the namespace's (lo, eth0 up, address, route)", () => {
  const p = plan({ name: "web" });
  const { peer, mac } = p.steps[1] as { peer: string; mac: string };
  assert.match(peer, /^p-[0-9a-f]{8}$/);
  assert.match(mac, /^fe(:[0-9a-f]{2}){5}$/);
  const brMac = (p.steps[3] as { mac: string }).mac;
  assert.match(brMac, /^02(:[0-9a-f]{2}){5}$/);
  assert.deepEqual(planCommands(p.steps).map((a) => a.join(" ")), [
    "ip netns add web",
    `ip link add dev veth-web address ${mac} type veth peer name ${peer}`,
    `ip link set dev ${peer} netns web name eth0`,
    `ip link add dev br0 address ${brMac} type bridge stp_state 0`,
    "ip link set dev br0 up",
    "ip addr add 10.200.0.1/24 dev br0",
    "ip link set dev veth-web master br0",
    "ip link set dev veth-web up",
    "ip -n web link set dev lo up",
    "ip -n web link set dev eth0 up",
    "ip -n web addr add 10.200.0.2/24 dev eth0",
    "ip -n web -4 route add default via 10.200.0.1 dev eth0",
  ]);
  assert.deepEqual(p.uses, []);
  // Each side is one `ip -batch -`.
  assert.deepEqual(applyGroups(p.steps), [[0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11]]);
});

Deno.test("plan() for veth-bridge reuses an existing bridge, its subnet and address, and takes the next free address", () => {
  const p = plan({ name: "b" }, br0);
  const cmds = planCommands(p.steps).map((a) => a.join(" "));
  assert.ok(
    !cmds.some((c) => c.includes("type bridge") || c.includes("dev br0 up") || c.includes("addr add 10.200.0.1")),
  );
  assert.ok(cmds.includes("ip -n b addr add 10.200.0.3/24 dev eth0"));
  assert.deepEqual(p.uses, ["link:br0"]);
});

Deno.test("plan() for veth-bridge notes a pre-existing bridge with STP on and leaves it alone (K13)", () => {
  const stp = {
    ...br0,
    links: br0.links.map((l) =>
      l.ifname === "br0" ? { ...l, linkinfo: { info_kind: "bridge", info_data: { stp_state: 1 } } } : l
    ),
  };
  const p = plan({ name: "b" }, stp);
  assert.match(p.notes.join(" "), /STP on/);
  assert.ok(!planCommands(p.steps).some((a) => a.includes("stp_state")));
});

Deno.test("the default subnet is the first 10.200.N.0/24 that overlaps nothing on the host", () => {
  const facts: HostFacts = {
    ...EMPTY_FACTS,
    routes4: [{ dst: "10.200.0.0/23", dev: "eth0", flags: [] }, { dst: "default", dev: "eth0", flags: [] }],
  };
  assert.equal(`${pickFreeSubnet(facts).network}/${pickFreeSubnet(facts).prefix}`, "10.200.2.0/24");
});

Deno.test("K01: a long --name gets a derived host-side name of at most 15 bytes", () => {
  const names = vethNames("averylongnamespace1", undefined, EMPTY_FACTS);
  assert.ok(new TextEncoder().encode(names.host).length <= 15, names.host);
  assert.ok(new TextEncoder().encode(names.peer).length <= 15, names.peer);
  assert.match(names.host, /^v-averylon-[0-9a-f]{4}$/);
  assert.notEqual(vethNames("averylongnamespace2", undefined, EMPTY_FACTS).host, names.host);
});

Deno.test("K01: --veth of 15 bytes is accepted, 16 is refused before planning", () => {
  assert.equal((plan({ name: "n", veth: "abcdefghijklmno" }).steps[1] as { dev: string }).dev, "abcdefghijklmno");
  assert.throws(
    () => vethBridge.params.parse({ name: "n", veth: "abcdefghijklmnop" }),
    /16 bytes long; the limit is 15/,
  );
});

Deno.test("K09: addresses on different subnets, and the same address twice, are refused with their own messages", () => {
  assert.throws(
    () => plan({ name: "n", address: "10.200.0.2/24", bridgeAddress: "10.200.1.1/24" }),
    (e) => e instanceof UsageError && /not on the same subnet/.test(e.message),
  );
  assert.throws(
    () => plan({ name: "n", address: "10.200.0.2/24", bridgeAddress: "10.200.0.2/24" }),
    (e) =>
      e instanceof UsageError && /both 10.200.0.2: the namespace's gateway would be its own address/.test(e.message),
  );
});

Deno.test("a subnet overlapping a route on the host is refused, naming the route", () => {
  const facts: HostFacts = { ...EMPTY_FACTS, routes4: [{ dst: "192.0.2.0/24", dev: "eth0", flags: [] }] };
  assert.throws(
    () => plan({ name: "n", subnet: "192.0.2.0/25" }, facts),
    (e) => e instanceof PreconditionError && /overlaps 192.0.2.0\/24/.test(e.message),
  );
});

Deno.test("a --bridge that names a link which is not a bridge is refused", () => {
  const facts: HostFacts = {
    ...EMPTY_FACTS,
    links: [...EMPTY_FACTS.links, {
      ifindex: 2,
      ifname: "eth0",
      flags: ["UP"],
      mtu: 1500,
      operstate: "UP",
      linkinfo: { info_kind: "veth" },
    }],
  };
  assert.throws(() => plan({ name: "n", bridge: "eth0" }, facts), /'eth0' exists and is not a bridge/);
});

Deno.test("K08: an IPv6 subnet gives nodad addresses and an IPv6 default route", () => {
  const cmds = planCommands(plan({ name: "n", subnet: "2001:db8:5::/64" }).steps).map((a) => a.join(" "));
  assert.ok(cmds.includes("ip addr add 2001:db8:5::1/64 nodad dev br0"));
  assert.ok(cmds.includes("ip -n n addr add 2001:db8:5::2/64 nodad dev eth0"));
  assert.ok(cmds.includes("ip -n n -6 route add default via 2001:db8:5::1 dev eth0"));
});

/** A host with an uplink `eth0` carrying the default route. */
const withUplink: HostFacts = {
  ...EMPTY_FACTS,
  links: [...EMPTY_FACTS.links, { ifindex: 2, ifname: "eth0", flags: ["UP"], mtu: 1500, operstate: "UP" }],
  routes4: [{ dst: "default", gateway: "198.51.100.1", dev: "eth0", flags: [] }],
};

Deno.test("--nat adds forwarding and an nftables table; already-on forwarding is used, not owned", () => {
  const facts = withUplink;
  const p = plan({ name: "n", nat: true }, facts);
  assert.deepEqual(p.steps.slice(-2).map((s) => s.kind), ["sysctl-set", "nat-add"]);
  const t = natTable("n");
  assert.deepEqual(planCommands(p.steps.slice(-1)), [[
    "nft",
    "--",
    `create table inet ${t}; ` +
    `add chain inet ${t} postrouting { type nat hook postrouting priority srcnat ; policy accept ; }; ` +
    `add rule inet ${t} postrouting ip saddr 10.200.0.0/24 oifname "eth0" masquerade; ` +
    `add chain inet ${t} forward { type filter hook forward priority filter ; policy accept ; }; ` +
    `add rule inet ${t} forward iifname "br0" oifname "eth0" ip saddr 10.200.0.0/24 accept; ` +
    `add rule inet ${t} forward iifname "eth0" oifname "br0" ip daddr 10.200.0.0/24 ct state established,related accept`,
  ]], "one nft invocation: one transaction");
  const on = plan({ name: "n", nat: true }, { ...facts, ipForward: "1" });
  assert.deepEqual(on.steps.slice(-1).map((s) => s.kind), ["nat-add"]);
  assert.deepEqual(on.uses, ["sysctl:net.ipv4.ip_forward"]);
});

Deno.test("--nat without its uplink: the hint fits how the uplink was chosen (by --uplink, or by the default route)", () => {
  const refused = (opts: Record<string, unknown>, facts: HostFacts) => {
    try {
      plan({ name: "n", nat: true, ...opts }, facts);
    } catch (e) {
      if (e instanceof PreconditionError) return [e.message, e.hint];
      throw e;
    }
    throw new Error("planned");
  };
  assert.deepEqual(refused({ uplink: "nope" }, withUplink), [
    "The uplink 'nope' for --nat does not exist",
    "Give --uplink a link of this host ('ip -br link' lists them).",
  ]);
  assert.deepEqual(refused({}, EMPTY_FACTS), [
    "--nat needs an uplink, and the host has no default route",
    "Name it with --uplink.",
  ]);
});

Deno.test("H16: --nat refuses when its table exists (any content), naming it; a table of another family or name is no bar", () => {
  const t = natTable("n");
  const entries = [{ table: { family: "inet", name: t, handle: 1 } }];
  assert.throws(
    () => plan({ name: "n", nat: true }, { ...withUplink, nftables: entries }),
    (e) =>
      e instanceof PreconditionError &&
      e.message === `The nftables table 'inet ${t}' that --nat makes for 'n' already exists` &&
      e.hint.includes(`nft list table inet ${t}`) && e.hint.includes(`nft delete table inet ${t}`),
  );
  for (const other of [{ family: "ip", name: t }, { family: "inet", name: natTable("m") }]) {
    const p = plan({ name: "n", nat: true }, { ...withUplink, nftables: [{ table: other }] });
    assert.equal(p.steps.at(-1)?.kind, "nat-add");
  }
});

Deno.test("a second veth-bridge run uses (and the first hands over) exactly the objects the first run's steps own", () => {
  const facts = withUplink;
  const first = plan({ name: "a", nat: true }, facts);
  const owned = first.steps.map((s) => kindOf(s).object(s));
  assert.deepEqual(first.handover, ["link:br0", "sysctl:net.ipv4.ip_forward"]);
  for (const o of first.handover) assert.ok(owned.includes(o), `${o} is owned by a step of the first run`);
  const withBr0: HostFacts = {
    ...br0,
    links: [...br0.links, facts.links[1]],
    routes4: [...br0.routes4, ...facts.routes4],
    ipForward: "1",
  };
  const second = plan({ name: "b", nat: true }, withBr0);
  assert.deepEqual(second.uses, ["link:br0", "sysctl:net.ipv4.ip_forward"]);
  for (const o of second.uses) assert.ok(owned.includes(o), `${o} names what the first run's step owns`);
});
