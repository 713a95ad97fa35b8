import assert from "node:assert/strict";
import { freeHostAddress, LAB_STABLE_SECRET, labSpecFromHost, parsePingOutage } from "../../src/rehearse/mod.ts";
import { EMPTY_FACTS, type HostFacts } from "../../src/host/mod.ts";
import { PreconditionError } from "../../src/errors.ts";

Deno.test("parsePingOutage reports the longest gap between replies, less the interval", () => {
  const out = [
    "PING 198.51.100.1 (198.51.100.1) 56(84) bytes of data.",
    "[1700000000.000000] 64 bytes from 198.51.100.1: icmp_seq=1 ttl=64 time=0.1 ms",
    "[1700000000.010000] 64 bytes from 198.51.100.1: icmp_seq=2 ttl=64 time=0.1 ms",
    "[1700000000.090000] 64 bytes from 198.51.100.1: icmp_seq=10 ttl=64 time=0.1 ms",
    "",
    "--- 198.51.100.1 ping statistics ---",
    "10 packets transmitted, 3 received, 70% packet loss, time 90ms",
  ].join("\n");
  assert.deepEqual(parsePingOutage(out, 10), { sent: 10, received: 3, longestGapMs: 70 });
});

Deno.test("parsePingOutage: no reply at all is a gap of 0 with 0 received; a late reply without loss is a gap; counts come from the replies without a summary", () => {
  const line = (t: string, seq: number) => `[${t}] 64 bytes from 198.51.100.1: icmp_seq=${seq} ttl=64 time=0.1 ms`;
  assert.deepEqual(parsePingOutage("5 packets transmitted, 0 received, 100% packet loss, time 40ms\n", 10), {
    sent: 5,
    received: 0,
    longestGapMs: 0,
  });
  const late = [line("1700000000.000000", 1), line("1700000000.035000", 2), line("1700000000.045000", 3)];
  assert.deepEqual(parsePingOutage([...late, "3 packets transmitted, 3 received, 0% packet loss"].join("\n"), 10), {
    sent: 3,
    received: 3,
    longestGapMs: 25,
  });
  assert.deepEqual(parsePingOutage(late.join("\n"), 10), { sent: 3, received: 3, longestGapMs: 25 });
});

Deno.test("freeHostAddress picks the highest free host address of the subnet", () => {
  assert.equal(freeHostAddress("198.51.100.10/24", ["198.51.100.10", "198.51.100.254"]), "198.51.100.253");
  assert.equal(freeHostAddress("2001:db8:1::10/64", []), "2001:db8:1:0:ffff:ffff:ffff:fffe");
  assert.equal(
    freeHostAddress("2001:db8:1::10/64", ["2001:db8:1:0:ffff:ffff:ffff:fffe"]),
    "2001:db8:1:0:ffff:ffff:ffff:fffd",
  );
  assert.equal(freeHostAddress("192.0.2.1/30", ["192.0.2.1"]), "192.0.2.2");
  assert.equal(freeHostAddress("192.0.2.2/30", ["192.0.2.2"]), "192.0.2.1");
  assert.throws(
    () => freeHostAddress("192.0.2.1/30", ["192.0.2.1", "192.0.2.2"]),
    /No free address in 192\.0\.2\.1\/30/,
  );
});

Deno.test("labSpecFromHost without its uplink: the hint fits how the uplink was chosen (by --uplink, or by the default route)", () => {
  const refused = (facts: HostFacts, uplink?: string) => {
    try {
      labSpecFromHost(facts, uplink);
    } catch (e) {
      if (e instanceof PreconditionError) return [e.message, e.hint];
      throw e;
    }
    throw new Error("copied");
  };
  assert.deepEqual(refused(EMPTY_FACTS, "nope"), [
    "No uplink to copy: 'nope' does not exist",
    "Give --uplink a link of this host ('ip -br link' lists them).",
  ]);
  assert.deepEqual(refused(EMPTY_FACTS), ["No uplink to copy", "Name it with --uplink."]);
});

Deno.test("labSpecFromHost copies the uplink's name, MAC, MTU, link group, addresses, static routes with realms and gateways (H12)", () => {
  const facts: HostFacts = {
    ...EMPTY_FACTS,
    links: [{
      ifindex: 2,
      ifname: "enp1s0",
      flags: ["UP"],
      mtu: 9000,
      operstate: "UP",
      address: "52:54:00:12:34:56",
      group: "7",
    }],
    addrs: [{
      ifname: "enp1s0",
      addr_info: [
        { family: "inet", local: "192.0.2.10", prefixlen: 24, scope: "global", broadcast: "192.0.2.255" },
        { family: "inet", local: "192.0.2.11", prefixlen: 24, scope: "global", secondary: true },
      ],
    }],
    routes4: [
      { dst: "default", gateway: "192.0.2.1", dev: "enp1s0", protocol: "static", metric: 100, flags: [] },
      {
        dst: "203.0.113.0/24",
        gateway: "192.0.2.254",
        dev: "enp1s0",
        protocol: "static",
        flags: [],
        flow: { to: "5" },
      },
    ],
  };
  const spec = labSpecFromHost(facts);
  assert.deepEqual(
    [spec.uplink, spec.mac, spec.mtu, spec.group, spec.address, spec.gateway, spec.lanHost, spec.address6, spec.metric],
    ["enp1s0", "52:54:00:12:34:56", 9000, "7", "192.0.2.10/24", "192.0.2.1", "192.0.2.253", "", 100],
  );
  assert.deepEqual(spec.uplinkAddrs, [
    { family: "inet", local: "192.0.2.10", prefixlen: 24, broadcast: "192.0.2.255" },
    { family: "inet", local: "192.0.2.11", prefixlen: 24 },
  ]);
  assert.deepEqual(spec.uplinkRoutes, [
    { family: 4, dst: "default", via: "192.0.2.1", dev: "enp1s0", proto: "static", metric: 100 },
    { family: 4, dst: "203.0.113.0/24", via: "192.0.2.254", dev: "enp1s0", proto: "static", metric: 0, realm: "5" },
  ]);
});

Deno.test("labSpecFromHost copies address flags, NetworkManager-style routes in dependency order, rules naming the uplink, neighbours and per-interface settings", () => {
  const facts: HostFacts = {
    ...EMPTY_FACTS,
    links: [{ ifindex: 2, ifname: "eth0", flags: ["UP"], mtu: 1500, operstate: "UP", address: "52:54:00:12:34:56" }],
    addrs: [{
      ifname: "eth0",
      addr_info: [{ family: "inet", local: "192.0.2.10", prefixlen: 24, scope: "global", noprefixroute: true }],
    }],
    routes4: [
      { dst: "default", gateway: "192.0.2.1", dev: "eth0", protocol: "static", metric: 100, flags: [] },
      {
        dst: "192.0.2.0/24",
        dev: "eth0",
        protocol: "kernel",
        scope: "link",
        prefsrc: "192.0.2.10",
        metric: 100,
        flags: [],
      },
    ],
    rules4: [
      { priority: 0, src: "all", table: "local", protocol: "kernel" },
      { priority: 100, src: "all", iif: "eth0", table: "100", protocol: "boot" },
    ],
    neighbours: [
      { dst: "192.0.2.1", dev: "eth0", lladdr: "02:00:00:00:00:01", state: ["PERMANENT"] },
      { dst: "192.0.2.7", dev: "eth0", lladdr: "02:00:00:00:00:07", state: ["PERMANENT"] },
    ],
    linkSysctls: [
      { tree: "net.ipv4.conf", dev: "default", name: "arp_ignore", value: "0" },
      { tree: "net.ipv4.conf", dev: "default", name: "rp_filter", value: "2" },
      { tree: "net.ipv4.conf", dev: "eth0", name: "arp_ignore", value: "1" },
      { tree: "net.ipv4.conf", dev: "eth0", name: "rp_filter", value: "2" },
      { tree: "net.ipv6.conf", dev: "default", name: "addr_gen_mode", value: "0" },
      { tree: "net.ipv6.conf", dev: "eth0", name: "addr_gen_mode", value: "2" },
      { tree: "net.ipv6.conf", dev: "eth0", name: "stable_secret", value: "2001:0db8:0000:0000:0000:0000:0000:0077" },
    ],
  };
  const spec = labSpecFromHost(facts);
  assert.deepEqual(spec.uplinkAddrs, [{ family: "inet", local: "192.0.2.10", prefixlen: 24, noprefixroute: true }]);
  assert.deepEqual(spec.uplinkRoutes?.map((r) => `${r.dst} ${r.proto} ${r.metric}`), [
    "192.0.2.0/24 kernel 100",
    "default static 100",
  ]);
  assert.deepEqual(spec.rules, [{ family: 4, priority: 100, iif: "eth0", table: "100", protocol: "boot" }]);
  assert.deepEqual(spec.neighbours, [{ dst: "192.0.2.7", lladdr: "02:00:00:00:00:07" }], "not the gateway's");
  assert.deepEqual(spec.sysctls, [
    { tree: "net.ipv4.conf", dev: "default", name: "arp_ignore", value: "0" },
    { tree: "net.ipv6.conf", dev: "default", name: "addr_gen_mode", value: "0" },
    // N22: a secret of the lab's own, written before the stable_privacy mode it needs; the host's never leaves it.
    { tree: "net.ipv6.conf", dev: "eth0", name: "stable_secret", value: LAB_STABLE_SECRET },
    { tree: "net.ipv4.conf", dev: "eth0", name: "arp_ignore", value: "1" },
    { tree: "net.ipv6.conf", dev: "eth0", name: "addr_gen_mode", value: "2" },
  ]);
});
