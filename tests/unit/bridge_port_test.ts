/**
 * Issue 9 case 10 (and K14): an uplink that cannot be a working bridge port
 * is refused at plan time, each kind with its own reason.
 */
import assert from "node:assert/strict";
import { assertAddressOnUplinkSubnet, selectUplink, uplinkMigrationSteps } from "../../recipes/uplink.ts";
import { inSubnet } from "../../recipes/subnet.ts";
import { vethBridge } from "../../recipes/veth_bridge.ts";
import { PreconditionError, UsageError } from "../../src/errors.ts";
import { bridgePortProblem, EMPTY_FACTS, type HostFacts, type IpLink } from "../../src/host/mod.ts";

const eth = (patch: Partial<IpLink> = {}): IpLink => ({
  ifindex: 2,
  ifname: "up0",
  flags: ["BROADCAST", "UP"],
  mtu: 1500,
  operstate: "UP",
  link_type: "ether",
  address: "52:54:00:12:34:56",
  ...patch,
});

for (
  const [what, patch, reason, hint] of [
    [
      "a macvlan",
      { linkinfo: { info_kind: "macvlan" } },
      /'up0' is a macvlan: it receives only frames addressed to its own MAC/,
      /parent/,
    ],
    ["a macvtap", { linkinfo: { info_kind: "macvtap" } }, /'up0' is a macvtap/, /parent/],
    ["an ipvlan", { linkinfo: { info_kind: "ipvlan" } }, /'up0' is an ipvlan: it shares its parent's MAC/, /parent/],
    ["an ipvtap", { linkinfo: { info_kind: "ipvtap" } }, /'up0' is an ipvtap/, /parent/],
    [
      "a bond's slave",
      { master: "bond0", linkinfo: { info_slave_kind: "bond" } },
      /'up0' is already a port of bond 'bond0'/,
      /--uplink bond0/,
    ],
    [
      "a team's port",
      { master: "team0", linkinfo: { info_slave_kind: "team" } },
      /already a port of team 'team0'/,
      /--uplink team0/,
    ],
    [
      "a bridge's port",
      { master: "br7", linkinfo: { info_slave_kind: "bridge" } },
      /'up0' is already enslaved to 'br7'/,
      /--bridge br7/,
    ],
    ["a bridge", { linkinfo: { info_kind: "bridge" } }, /'up0' is itself a bridge/, /--bridge up0/],
    [
      "a tun device",
      { link_type: "none", linkinfo: { info_kind: "tun" } },
      /not an Ethernet link \(link type none, tun\)/,
      /--nat/,
    ],
    ["an ipip tunnel", { link_type: "ipip", linkinfo: { info_kind: "ipip" } }, /link type ipip/, /--nat/],
    [
      "a WireGuard link",
      { link_type: "none", linkinfo: { info_kind: "wireguard" } },
      /link type none, wireguard/,
      /--nat/,
    ],
    ["the loopback", { flags: ["LOOPBACK", "UP"], link_type: "loopback" }, /'up0' is the loopback device/, /--uplink/],
  ] as const
) {
  Deno.test(`case 10: ${what} cannot be a bridge port: full-migrate refuses it at plan time, saying why`, () => {
    const link = eth(patch as Partial<IpLink>);
    const found = bridgePortProblem(link, [], []);
    assert.ok(found, what);
    assert.match(found.problem, reason);
    assert.match(found.hint, hint);
    const facts: HostFacts = { ...EMPTY_FACTS, links: [...EMPTY_FACTS.links, link] };
    assert.throws(
      () => selectUplink(facts, "up0"),
      (e) => e instanceof PreconditionError && e.exitCode === 3 && e.message === `The uplink ${found.problem}`,
    );
  });
}

Deno.test("case 10: a wireless station is refused; Ethernet, a VLAN, a bond and a veth are accepted", () => {
  assert.match(bridgePortProblem(eth(), ["up0"], [])?.problem ?? "", /is wireless/);
  for (const kind of [undefined, "vlan", "bond", "veth"]) {
    assert.equal(bridgePortProblem(eth(kind ? { linkinfo: { info_kind: kind } } : {}), [], []), undefined, kind);
  }
});

const p2p: HostFacts = {
  ...EMPTY_FACTS,
  links: [...EMPTY_FACTS.links, eth({ ifname: "eth0" })],
  addrs: [{
    ifname: "eth0",
    addr_info: [
      { family: "inet", local: "198.51.100.10", prefixlen: 24, scope: "global" },
      { family: "inet", local: "192.0.2.10", address: "192.0.2.99", prefixlen: 32, scope: "global" },
    ],
  }],
  routes4: [{ dst: "default", gateway: "198.51.100.1", dev: "eth0", flags: [] }],
};

Deno.test("case 10: an uplink with a peer (point-to-point) address is refused by full-migrate before any change", () => {
  assert.throws(
    () => uplinkMigrationSteps(p2p.links[1], "br0", p2p),
    (e) =>
      e instanceof PreconditionError &&
      e.message ===
        "The uplink 'eth0' has point-to-point addresses: 192.0.2.10 peer 192.0.2.99/32; full-migrate does not carry a peer address to the bridge, and the route to the peer would be lost",
  );
});

Deno.test("case 10: the namespace may not take the peer address of a point-to-point address (full-migrate and veth-bridge)", () => {
  assert.throws(
    () => assertAddressOnUplinkSubnet("192.0.2.99/24", p2p, "eth0", inSubnet),
    (e) =>
      e instanceof UsageError &&
      e.message === "--address 192.0.2.99 is the peer of this host's point-to-point address 192.0.2.10",
  );
  const br9: HostFacts = {
    ...EMPTY_FACTS,
    links: [
      ...EMPTY_FACTS.links,
      eth({ ifname: "br9", linkinfo: { info_kind: "bridge" } }),
      eth({ ifname: "tap0", master: "br9" }),
      eth({ ifname: "ppp0" }),
    ],
    addrs: [
      { ifname: "br9", addr_info: [{ family: "inet", local: "10.90.0.1", prefixlen: 24, scope: "global" }] },
      {
        ifname: "ppp0",
        addr_info: [{ family: "inet", local: "192.0.2.10", address: "10.90.0.99", prefixlen: 32, scope: "global" }],
      },
    ],
  };
  const plan = (address: string) =>
    vethBridge.plan(vethBridge.params.parse({ name: "n", bridge: "br9", address }), br9);
  assert.throws(
    () => plan("10.90.0.99/24"),
    (e) =>
      e instanceof PreconditionError &&
      e.message === "--address 10.90.0.99 is already in use: it is the peer of the host's point-to-point link 'ppp0'",
  );
  assert.ok(plan("10.90.0.98/24").steps.length > 0, "the next address is free");
});

Deno.test("a link name from the host with a direction override is shown escaped in the refusal", () => {
  const found = bridgePortProblem(eth({ ifname: "up\u202e0", linkinfo: { info_kind: "macvlan" } }), [], []);
  assert.ok(found);
  assert.ok(found.problem.startsWith("'up\\u{202e}0' is a macvlan"), found.problem);
  assert.ok(!found.problem.includes("\u202e"));
});

/** X2: the uplink `up0` with upper devices stacked on it (`link up0`, ip -json -details link). */
const carrying = (...uppers: Partial<IpLink>[]): HostFacts => ({
  ...EMPTY_FACTS,
  links: [...EMPTY_FACTS.links, eth(), ...uppers.map((u, i) => eth({ ifindex: 10 + i, link: "up0", ...u }))],
});

for (
  const [what, facts, problem, hint] of [
    [
      "a macvlan",
      carrying({ ifname: "mv0", linkinfo: { info_kind: "macvlan" } }),
      "'up0' carries macvlan 'mv0': it cannot become a bridge port while a macvlan, macvtap, ipvlan or ipvtap is " +
      "stacked on it (the upper device holds its receive handler; the kernel answers 'Device or resource busy')",
      /^Remove it first \('ip link del mv0'\) and migrate, or use 'nsrecipe run veth-bridge --nat --uplink DEV'/,
    ],
    [
      "a macvtap and an ipvlan",
      carrying({ ifname: "tap7", linkinfo: { info_kind: "macvtap" } }, {
        ifname: "iv0",
        linkinfo: { info_kind: "ipvlan" },
      }),
      "'up0' carries macvtap 'tap7', ipvlan 'iv0': it cannot become a bridge port while a macvlan, macvtap, " +
      "ipvlan or ipvtap is stacked on it (the upper device holds its receive handler; the kernel answers " +
      "'Device or resource busy')",
      /^Remove them first \('ip link del tap7; ip link del iv0'\) and migrate, or use 'nsrecipe run veth-bridge/,
    ],
    [
      "an ipvtap",
      carrying({ ifname: "ivt0", linkinfo: { info_kind: "ipvtap" } }),
      "'up0' carries ipvtap 'ivt0': it cannot become a bridge port while a macvlan, macvtap, ipvlan or ipvtap is " +
      "stacked on it (the upper device holds its receive handler; the kernel answers 'Device or resource busy')",
      /ip link del ivt0/,
    ],
  ] as const
) {
  Deno.test(`X2: an uplink carrying ${what} is refused at plan time (exit 3), naming them and what to do`, () => {
    const found = bridgePortProblem(facts.links[1], [], facts.links);
    assert.equal(found?.problem, problem);
    assert.match(found?.hint ?? "", hint);
    assert.throws(
      () => selectUplink(facts, "up0"),
      (e) => e instanceof PreconditionError && e.exitCode === 3 && e.message === `The uplink ${problem}`,
    );
  });
}

Deno.test("X2: a veth peer, a macvlan on another link or in another netns, and a VLAN on the uplink do not block it", () => {
  const facts = carrying(
    { ifname: "peer0", linkinfo: { info_kind: "veth" } },
    { ifname: "mv1", link: "eth9", linkinfo: { info_kind: "macvlan" } },
    { ifname: "mv2", link_netnsid: 0, linkinfo: { info_kind: "macvlan" } },
    { ifname: "up0.7", linkinfo: { info_kind: "vlan" } },
  );
  assert.equal(bridgePortProblem(facts.links[1], [], facts.links), undefined);
  assert.equal(selectUplink(facts, "up0").ifname, "up0");
});
