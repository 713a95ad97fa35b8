import assert from "node:assert/strict";
import { setAfterPorts, uplinkSettings } from "../../recipes/uplink_settings.ts";
import { EMPTY_FACTS, type HostFacts, type LinkSysctl, parseLinkSysctls } from "../../src/host/mod.ts";

const eth0 = { ifindex: 2, ifname: "eth0", flags: ["UP"], mtu: 9000, operstate: "UP" };

function facts(lines: string): HostFacts {
  return { ...EMPTY_FACTS, links: [...EMPTY_FACTS.links, eth0], linkSysctls: parseLinkSysctls(lines) };
}

const show = (x: LinkSysctl[]) => x.map((s) => `${s.tree}.${s.name}=${s.value}`);

Deno.test("parseLinkSysctls splits tree, link (dots allowed) and setting", () => {
  assert.deepEqual(parseLinkSysctls("net.ipv4.conf.eth0.100.rp_filter = 2\nkernel.x = 1\n"), [
    { tree: "net.ipv4.conf", dev: "eth0.100", name: "rp_filter", value: "2" },
  ]);
});

Deno.test("case 4: settings of the uplink that differ from default are carried; equal ones, and IPv6 mtu equal to the link MTU, are not", () => {
  const s = uplinkSettings(
    facts([
      "net.ipv4.conf.default.arp_ignore = 0",
      "net.ipv4.conf.default.rp_filter = 0",
      "net.ipv4.conf.default.proxy_arp = 0",
      "net.ipv6.conf.default.accept_ra = 1",
      "net.ipv6.conf.default.mtu = 1280",
      "net.ipv4.neigh.lo.base_reachable_time_ms = 30000",
      "net.ipv4.conf.eth0.arp_ignore = 1",
      "net.ipv4.conf.eth0.rp_filter = 0",
      "net.ipv4.conf.eth0.proxy_arp = 1",
      "net.ipv6.conf.eth0.accept_ra = 2",
      "net.ipv6.conf.eth0.mtu = 9000",
      "net.ipv4.neigh.eth0.base_reachable_time_ms = 60000",
      "net.ipv4.conf.eth1.arp_ignore = 2",
    ].join("\n")),
    eth0,
  );
  assert.deepEqual(show(s.carried), [
    "net.ipv4.conf.arp_ignore=1",
    "net.ipv4.conf.proxy_arp=1",
    "net.ipv6.conf.accept_ra=2",
    "net.ipv4.neigh.base_reachable_time_ms=60000",
  ]);
  assert.deepEqual(s.notCarried, []);
});

Deno.test("N22: a lowered IPv6 MTU is carried; the uplink's stable_secret is carried first, before the stable_privacy mode it needs", () => {
  const s = uplinkSettings(
    facts([
      "net.ipv6.conf.default.mtu = 1280",
      "net.ipv6.conf.default.addr_gen_mode = 0",
      "net.ipv6.conf.eth0.addr_gen_mode = 2",
      "net.ipv6.conf.eth0.mtu = 1400",
      "net.ipv6.conf.eth0.stable_secret = 2001:0db8:0000:0000:0000:0000:0000:0077",
    ].join("\n")),
    eth0,
  );
  assert.deepEqual(show(s.carried), [
    "net.ipv6.conf.stable_secret=2001:0db8:0000:0000:0000:0000:0000:0077",
    "net.ipv6.conf.addr_gen_mode=2",
    "net.ipv6.conf.mtu=1400",
  ]);
  assert.deepEqual(s.notCarried, []);
});

Deno.test("N22: a stable_privacy uplink whose secret is the namespace's default one (its own unset, so not read) carries the mode alone: the bridge gets the default secret from the kernel", () => {
  const s = uplinkSettings(
    facts(["net.ipv6.conf.default.addr_gen_mode = 0", "net.ipv6.conf.eth0.addr_gen_mode = 2"].join("\n")),
    eth0,
  );
  assert.deepEqual(show(s.carried), ["net.ipv6.conf.addr_gen_mode=2"]);
});

Deno.test("F3: only the IPv6 MTU, which the kernel resets when the link comes up or its MTU changes, is written after the ports join", () => {
  assert.equal(setAfterPorts({ tree: "net.ipv6.conf", name: "mtu" }), true);
  for (const name of ["hop_limit", "accept_ra", "disable_ipv6", "addr_gen_mode"]) {
    assert.equal(setAfterPorts({ tree: "net.ipv6.conf", name }), false, name);
  }
  assert.equal(setAfterPorts({ tree: "net.ipv4.conf", name: "mtu" }), false);
});
