/**
 * Issue 9: `rehearse full-migrate` builds its lab as a copy of the host's
 * uplink with every attribute the migration depends on, so a rehearsal
 * fails where the real run would.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { gatherFacts, IpReader, type Snapshot, unsettledAddresses } from "../../src/host/mod.ts";
import { labSpecFromHost } from "../../src/rehearse/mod.ts";
import { TestLab, withLab } from "../support/lab.ts";

/** A host as NetworkManager and an admin leave it: noprefixroute, proto kernel subnet route, rules, settings. */
const REAL_HOST = [
  ["ip", "addr", "flush", "dev", "eth0", "scope", "global"],
  ["ip", "-6", "route", "del", "default", "dev", "eth0"],
  ["ip", "addr", "add", "198.51.100.10/24", "dev", "eth0", "noprefixroute"],
  ["ip", "-6", "addr", "add", "2001:db8:1::10/64", "dev", "eth0", "nodad", "home"],
  // Further kinds of address full-migrate moves: IPv4 link-local (avahi-autoipd), a labelled secondary, and
  // IPv6 with other flags.
  ["ip", "addr", "add", "169.254.7.7/16", "dev", "eth0", "scope", "link"],
  ["ip", "addr", "add", "198.51.100.11/24", "dev", "eth0", "label", "eth0:vip", "noprefixroute"],
  ["ip", "-6", "addr", "add", "2001:db8:1::21/64", "dev", "eth0", "nodad", "mngtmpaddr", "noprefixroute"],
  [
    "ip",
    "route",
    "add",
    "198.51.100.0/24",
    "dev",
    "eth0",
    "proto",
    "kernel",
    "scope",
    "link",
    "src",
    "198.51.100.10",
    "metric",
    "100",
  ],
  ["ip", "route", "add", "default", "via", "198.51.100.1", "dev", "eth0", "proto", "static", "metric", "100"],
  ["ip", "-6", "route", "add", "default", "via", "2001:db8:1::1", "dev", "eth0", "proto", "static", "metric", "100"],
  ["ip", "route", "add", "203.0.113.1", "dev", "eth0", "scope", "link", "table", "100"],
  ["ip", "route", "add", "default", "via", "203.0.113.1", "dev", "eth0", "table", "100"],
  ["ip", "rule", "add", "iif", "eth0", "lookup", "100", "pref", "100"],
  ["ip", "-6", "rule", "add", "oif", "eth0", "lookup", "100", "pref", "110"],
  ["ip", "neigh", "add", "198.51.100.99", "lladdr", "02:00:00:00:00:99", "dev", "eth0", "nud", "permanent"],
  [
    "sysctl",
    "-q",
    "-w",
    "net.ipv4.conf.eth0.arp_ignore=1",
    "net.ipv4.conf.eth0.rp_filter=2",
    "net.ipv6.conf.eth0.accept_ra=0",
  ],
  // H12: a route realm and the link group, which the copy carries and the snapshots compare.
  ["ip", "route", "add", "10.62.0.0/16", "via", "198.51.100.1", "dev", "eth0", "realm", "5"],
  ["ip", "link", "set", "dev", "eth0", "group", "7"],
];

/** What of a snapshot concerns the uplink `eth0`. */
function uplinkPart(s: Snapshot) {
  return {
    links: s.links.filter((l) => l.name === "eth0"),
    addrs: s.addrs.filter((a) => a.dev === "eth0"),
    routes: s.routes.filter((r) => r.includes(" dev eth0")),
    rules: s.rules,
    neighbours: s.neighbours,
    sysctls: s.sysctls.filter((x) => x.includes(".eth0.")),
  };
}

Deno.test("rehearse's lab copies the uplink exactly: address flags (IPv4 link-local, a labelled secondary, IPv6 flags), routes with proto/scope/metric/realm in every table, rules, neighbours, settings, MTU, link group", async () => {
  await withLab(async (lab) => {
    for (const c of REAL_HOST) {
      const r = await lab.sh(c);
      assert.equal(r.code, 0, `${c.join(" ")}: ${r.stderr}`);
    }
    const ip = new IpReader(lab.runner);
    const until = Date.now() + 5000;
    while ((await unsettledAddresses(ip)).length > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(await unsettledAddresses(ip), [], "the lab's addresses settle");
    const spec = labSpecFromHost(await gatherFacts(lab.runner));
    const copy = await TestLab.start(spec);
    try {
      const part = uplinkPart(await copy.snapshot());
      assert.deepEqual(part, uplinkPart(await lab.snapshot()));
      assert.equal(part.links[0].group, "7");
      assert.ok(part.routes.some((r) => r.includes("10.62.0.0/16") && r.includes("realm -/5")), part.routes.join("\n"));
    } finally {
      await copy.stop();
    }
    const r = await lab.nsrecipe(["rehearse", "full-migrate", "--name", "r", "--address", "198.51.100.50/24"]);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /the host is exactly as before/);
  }, { mtu: 1400 });
});

Deno.test("rehearse fails, before building a lab, where this host's own plan is refused (a firewall rule naming the uplink); --force rehearses", async () => {
  await withLab(async (lab) => {
    const ruleset =
      'table inet filter {\n  chain input {\n    type filter hook input priority 0; policy accept;\n    iifname "eth0" accept\n  }\n}\n';
    const loaded = await lab.sh(["nft", "-f", "-"], ruleset);
    assert.equal(loaded.code, 0, loaded.stderr);
    const args = ["rehearse", "full-migrate", "--name", "r", "--address", "198.51.100.50/24"];
    const refused = await lab.nsrecipe(args);
    assert.equal(refused.code, EXIT.precondition, refused.stderr);
    assert.match(refused.stdout, /FAIL {2}the recipe plans on this host: Firewall rules match on 'eth0'/);
    assert.match(refused.stdout, /Rehearsal FAILED/);
    const forced = await lab.nsrecipe([...args, "--force"]);
    assert.equal(forced.code, 0, `${forced.stdout}\n${forced.stderr}`);
    assert.match(forced.stdout, /Rehearsal passed/);
  });
});

Deno.test("F12: rehearse copies what the run moves or would lose (proto ra and dhcp IPv6 routes via a link-local gateway, an admin's table-local routes, the IPv6 MTU) and checks IPv6 through the default route", async () => {
  await withLab(async (lab) => {
    for (
      const c of [
        ["ip", "-n", "lab-lan", "-6", "addr", "add", "fe80::1/64", "dev", "lanbr", "nodad"],
        ["ip", "-6", "route", "del", "default", "via", "2001:db8:1::1", "dev", "eth0"],
        ["ip", "-6", "addr", "del", "2001:db8:1::10/64", "dev", "eth0"],
        ["ip", "-6", "addr", "add", "2001:db8:1::10/64", "dev", "eth0", "noprefixroute", "nodad"],
        ["ip", "-6", "route", "add", "2001:db8:1::/64", "dev", "eth0", "proto", "ra", "metric", "100"],
        ["ip", "-6", "route", "add", "default", "via", "fe80::1", "dev", "eth0", "proto", "ra", "metric", "100"],
        ["ip", "-6", "route", "add", "2001:db8:dd::/48", "via", "2001:db8:1::1", "dev", "eth0", "proto", "dhcp"],
        ["ip", "route", "add", "local", "203.0.113.0/24", "dev", "eth0", "table", "local"],
        ["ip", "-6", "route", "add", "local", "2001:db8:9::/64", "dev", "eth0", "table", "local"],
        ["sysctl", "-q", "-w", "net.ipv6.conf.eth0.mtu=1400"],
      ]
    ) {
      const r = await lab.sh(c);
      assert.equal(r.code, 0, `${c.join(" ")}: ${r.stderr}`);
    }
    const spec = labSpecFromHost(await gatherFacts(lab.runner));
    const copy = await TestLab.start(spec);
    try {
      const part = uplinkPart(await copy.snapshot());
      assert.deepEqual(part, uplinkPart(await lab.snapshot()));
      assert.ok(
        part.routes.some((r) => r.includes("table local") && r.includes("203.0.113.0/24")),
        part.routes.join("\n"),
      );
      assert.ok(part.sysctls.includes("net.ipv6.conf.eth0.mtu = 1400"), part.sysctls.join("\n"));
    } finally {
      await copy.stop();
    }
    const r = await lab.nsrecipe([
      "rehearse",
      "full-migrate",
      "--name",
      "r",
      "--address",
      "198.51.100.50/24",
      "--address6",
      "2001:db8:1::50/64",
    ]);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(
      r.stdout,
      /PASS {2}lab host still reaches its IPv6 gateway through its default route: fe80::1 dev br0/,
    );
    assert.match(r.stdout, /PASS {2}the namespace reaches its IPv6 gateway: r -> fe80::1 dev eth0/);
    assert.match(r.stdout, /the host is exactly as before/);
  });
});
