import assert from "node:assert/strict";
import { selectUplink, uplinkMigrationSteps } from "../../recipes/uplink.ts";
import { nftRulesNamingLink } from "../../src/host/mod.ts";
import { PreconditionError } from "../../src/errors.ts";
import { EMPTY_FACTS, type HostFacts } from "../../src/host/mod.ts";
import { planCommands, renamedStep, ruleArgv, ruleSpecFromJson } from "../../src/steps/mod.ts";

const FACTS: HostFacts = {
  ...EMPTY_FACTS,
  links: [...EMPTY_FACTS.links, {
    ifindex: 2,
    ifname: "eth0",
    flags: ["BROADCAST", "UP"],
    mtu: 1500,
    operstate: "UP",
    address: "02:00:00:00:10:10",
  }],
  addrs: [{ ifname: "eth0", addr_info: [{ family: "inet", local: "198.51.100.10", prefixlen: 24, scope: "global" }] }],
  routes4: [{ dst: "default", gateway: "198.51.100.1", dev: "eth0", metric: 100, flags: [] }],
  rules4: [
    { priority: 0, src: "all", table: "local", protocol: "kernel" },
    { priority: 90, src: "198.51.100.10", table: "100", protocol: "boot" },
    { priority: 100, src: "all", iif: "eth0", table: "100", protocol: "boot" },
    {
      priority: 200,
      not: null,
      src: "10.0.0.0",
      srclen: 8,
      fwmark: "0x10",
      fwmask: "0xff",
      oif: "eth0",
      ipproto: "tcp",
      sport_start: 1000,
      sport_end: 2000,
      dport: 22,
      goto: 32766,
      protocol: "static",
    },
  ],
  rules6: [{ priority: 100, src: "all", iif: "eth0", table: "100", protocol: "boot" }],
};

Deno.test("ruleSpecFromJson and ruleArgv re-create a rule with every selector and its action", () => {
  assert.deepEqual(ruleArgv("add", ruleSpecFromJson(FACTS.rules4[3], 4)), [
    "ip",
    "-4",
    "rule",
    "add",
    "priority",
    "200",
    "not",
    "from",
    "10.0.0.0/8",
    "fwmark",
    "0x10/0xff",
    "oif",
    "eth0",
    "ipproto",
    "tcp",
    "sport",
    "1000-2000",
    "dport",
    "22",
    "protocol",
    "static",
    "goto",
    "32766",
  ]);
});

Deno.test("case 5: rules naming the uplink as iif/oif are added for the bridge before the uplink is enslaved and removed after; 'from' rules stay", () => {
  const cmds = planCommands(uplinkMigrationSteps(selectUplink(FACTS), "br0", FACTS)).map((a) => a.join(" "));
  const at = (s: string) => cmds.findIndex((c) => c.startsWith(s));
  assert.deepEqual(cmds.filter((c) => c.includes(" rule ")), [
    "ip -4 rule add priority 100 iif br0 protocol boot table 100",
    "ip -4 rule add priority 200 not from 10.0.0.0/8 fwmark 0x10/0xff oif br0 ipproto tcp sport 1000-2000 dport 22 protocol static goto 32766",
    "ip -6 rule add priority 100 iif br0 protocol boot table 100",
    "ip -4 rule del priority 100 iif eth0 protocol boot table 100",
    "ip -4 rule del priority 200 not from 10.0.0.0/8 fwmark 0x10/0xff oif eth0 ipproto tcp sport 1000-2000 dport 22 protocol static goto 32766",
    "ip -6 rule del priority 100 iif eth0 protocol boot table 100",
  ]);
  assert.ok(at("ip -6 rule add") < at("ip link set dev eth0 master br0"));
  assert.ok(at("ip -4 rule del") > at("ip -4 route add default"));
});

Deno.test("a rule naming the uplink with an attribute nsrecipe does not know is refused, not dropped", () => {
  const odd = { ...FACTS, rules6: [{ priority: 7, src: "all", iif: "eth0", table: "100", flowlabel: "0x1" }] };
  assert.throws(
    () => uplinkMigrationSteps(selectUplink(odd), "br0", odd),
    (e) => e instanceof PreconditionError && /IPv6 rule 7 \(flowlabel\)/.test(e.message),
  );
});

Deno.test("nftRulesNamingLink finds ip/ip6/inet rules matching the uplink by name, in sets and by wildcard, not bridge-family ones", () => {
  const rule = (family: string, chain: string, right: unknown, key = "iifname") => ({
    rule: {
      family,
      table: "t",
      chain,
      handle: 4,
      expr: [{ match: { op: "==", left: { meta: { key } }, right } }, { accept: null }],
    },
  });
  assert.deepEqual(
    nftRulesNamingLink([
      { metainfo: { version: "1.0.6" } },
      rule("inet", "input", "eth0"),
      rule("ip", "fwd", { set: ["wg0", "eth0"] }, "oifname"),
      rule("ip6", "out", "eth*", "oifname"),
      rule("inet", "other", "eth1"),
      rule("bridge", "forward", "eth0"),
      rule("netdev", "ingress", "eth0"),
    ], "eth0"),
    [
      'nft rule inet t input (handle 4): iifname == "eth0"',
      'nft rule ip t fwd (handle 4): oifname == "eth0"',
      'nft rule ip6 t out (handle 4): oifname == "eth*"',
    ],
  );
});

Deno.test("rule and per-interface setting steps follow a bridge renamed behind nsrecipe's back", () => {
  const rename = (d: string) => (d === "br0" ? "brlan" : d);
  const rule = { family: 4 as const, priority: 100, iif: "br0", oif: "eth1", table: "100" };
  assert.deepEqual(renamedStep({ kind: "rule-add", rule }, undefined, rename).step, {
    kind: "rule-add",
    rule: { ...rule, iif: "brlan" },
  });
  const set = {
    kind: "link-sysctl-set" as const,
    tree: "net.ipv4.conf" as const,
    dev: "br0",
    name: "arp_ignore",
    value: "1",
  };
  assert.deepEqual(renamedStep(set, "0", rename), { step: { ...set, dev: "brlan" }, captured: "0" });
});

Deno.test("H6 (rules): a rule's realms, printed as flow_from/flow_to, are carried as 'realms [FROM/]TO', not refused", () => {
  const to = { priority: 10, src: "all", iif: "eth0", table: "100", flow_to: "5", protocol: "unspec" };
  const both = { ...to, priority: 11, flow_from: "3", flow_to: "cosmos" };
  assert.deepEqual(
    ruleArgv("add", { ...ruleSpecFromJson(to, 4), iif: "br0" }).join(" "),
    "ip -4 rule add priority 10 iif br0 protocol unspec table 100 realms 5",
  );
  assert.deepEqual(
    ruleArgv("add", ruleSpecFromJson(both, 4)).join(" "),
    "ip -4 rule add priority 11 iif eth0 protocol unspec table 100 realms 3/cosmos",
  );
});
