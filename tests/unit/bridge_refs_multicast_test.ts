/**
 * H2 and H11 (pure parts): rules naming the bridge-to-be, and multicast
 * groups joined on the uplink, as doctor's uplink-refs check and
 * full-migrate's plan judge them.
 */
import assert from "node:assert/strict";
import { checkUplinkRefs } from "../../src/doctor/uplink_refs.ts";
import { fullMigrate } from "../../recipes/full_migrate.ts";
import { vethBridge } from "../../recipes/veth_bridge.ts";
import { PreconditionError } from "../../src/errors.ts";
import {
  groupsJoinedBySockets,
  type HostFacts,
  iptablesRulesNamingLink,
  parseIgmp,
  parseIgmp6,
  policyRulesNamingLink,
  refsNamingNewBridge,
} from "../../src/host/mod.ts";
import { doctorFacts, labHost, text } from "../support/doctor_facts.ts";

/** `/proc/net/igmp` of the lab host with a receiver of 239.1.2.3 on eth0 (read in a lab, kernel 6.18). */
const IGMP = [
  "Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter",
  "1\tlo        :     1      V3",
  "\t\t\t\t010000E0     1 0:00000000\t\t0",
  "2\teth0      :     3      V3",
  "\t\t\t\t030201EF     1 0:00000000\t\t0",
  "\t\t\t\t050000E0     2 0:00000000\t\t0",
  "\t\t\t\t010000E0     1 0:00000000\t\t0",
].join("\n");

/** `/proc/net/igmp6` of the same host with a receiver of ff05::1:3 on eth0. */
const IGMP6 = [
  "1    lo              ff020000000000000000000000000001     1 0000000C 0",
  "2    eth0            ff050000000000000000000000010003     1 00000004 0",
  "2    eth0            ff0200000000000000000001ff000010     1 00000004 0",
  "2    eth0            ff020000000000000000000000000001     2 0000000C 0",
  "2    eth0            ff010000000000000000000000000001     1 00000008 0",
  "2    eth0            ff020000000000000000000000000002     1 00000008 0",
].join("\n");

const GROUPS = [...parseIgmp(IGMP), ...parseIgmp6(IGMP6)];

Deno.test("H11: /proc/net/igmp and igmp6 are parsed per link with their user counts", () => {
  assert.deepEqual(parseIgmp(IGMP), [
    { dev: "lo", group: "224.0.0.1", users: 1 },
    { dev: "eth0", group: "239.1.2.3", users: 1 },
    { dev: "eth0", group: "224.0.0.5", users: 2 },
    { dev: "eth0", group: "224.0.0.1", users: 1 },
  ]);
  assert.deepEqual(parseIgmp6(IGMP6).map((g) => `${g.dev} ${g.group} ${g.users}`), [
    "lo ff02::1 1",
    "eth0 ff05::1:3 1",
    "eth0 ff02::1:ff00:10 1",
    "eth0 ff02::1 2",
    "eth0 ff01::1 1",
    "eth0 ff02::2 1",
  ]);
});

Deno.test("H11: the groups beyond the kernel's own are named; a kernel group a socket joined too counts; other links are not", () => {
  assert.deepEqual(groupsJoinedBySockets(GROUPS, "eth0"), [
    "239.1.2.3",
    "224.0.0.5 (2 users)",
    "ff05::1:3",
    "ff02::1 (2 users, 1 of them the kernel)",
  ]);
  assert.deepEqual(groupsJoinedBySockets(GROUPS, "lo"), []);
  assert.deepEqual(groupsJoinedBySockets(parseIgmp("2\teth0 :  1  V3\n\t\t\t\tE0000001     1 0:0\t\t0\n"), "eth0"), []);
});

const nftRule = (key: string, name: string) => ({
  rule: {
    family: "inet",
    table: "hb",
    chain: "inp",
    handle: 4,
    expr: [{ match: { op: "==", left: { meta: { key } }, right: name } }, { drop: null }],
  },
});

const BR0_RULES: Partial<HostFacts> = {
  nftables: [nftRule("iifname", "br0"), nftRule("oifname", "br1")],
  rules4: [{ priority: 900, src: "all", iif: "br0", action: "prohibit" }],
  rules6: [{ priority: 901, src: "2001:db8::", srclen: 32, oif: "br0", table: "100" }],
};

Deno.test("H2: nft and policy rules naming the bridge-to-be are quoted; none once a link has that name", () => {
  const host = labHost(BR0_RULES);
  assert.deepEqual(refsNamingNewBridge(host, "br0"), [
    'nft rule inet hb inp (handle 4): iifname == "br0"',
    "ip rule 900: iif br0 prohibit",
    "ip -6 rule 901: from 2001:db8::/32 oif br0 lookup 100",
  ]);
  assert.deepEqual(policyRulesNamingLink(host.rules4, host.rules6, "br1"), []);
  const existing = labHost({
    ...BR0_RULES,
    links: [...host.links, { ifindex: 9, ifname: "br0", flags: ["UP"], mtu: 1500, operstate: "UP" }],
  });
  assert.deepEqual(refsNamingNewBridge(existing, "br0"), []);
});

Deno.test("H2/H11: doctor's uplink-refs warns naming the rules on the bridge-to-be (and --bridge's) and the groups", () => {
  const f = checkUplinkRefs(doctorFacts({ host: text(labHost({ ...BR0_RULES, multicastGroups: GROUPS })) }), {});
  assert.equal(f.verdict, "warn");
  assert.equal(
    f.summary,
    "Rules name 'br0', the bridge full-migrate would create, and start matching all the host's LAN traffic once " +
      'it carries it: nft rule inet hb inp (handle 4): iifname == "br0"; ip rule 900: iif br0 prohibit; ' +
      "ip -6 rule 901: from 2001:db8::/32 oif br0 lookup 100. Multicast groups are joined on 'eth0' and their " +
      "sockets stop receiving once it is a port of a bridge (which socket joined is not shown by the kernel; " +
      "'ss -lnup' lists the UDP listeners): 239.1.2.3, 224.0.0.5 (2 users), ff05::1:3, " +
      "ff02::1 (2 users, 1 of them the kernel)",
  );
  assert.equal(
    f.fix,
    "Remove them or pick another name with --bridge; make their services join on 'br0' once it exists (or restart " +
      "them then); full-migrate refuses until then, or goes ahead with --force.",
  );
  const br1 = checkUplinkRefs(doctorFacts({ host: text(labHost(BR0_RULES)) }), { bridge: "br1" });
  assert.equal(br1.verdict, "warn");
  assert.match(br1.summary, /^Rules name 'br1', .*: nft rule inet hb inp \(handle 4\): oifname == "br1"$/);
  const ok = checkUplinkRefs(doctorFacts({ host: text(labHost(BR0_RULES)) }), { bridge: "br2" });
  assert.deepEqual([ok.verdict, ok.summary], [
    "ok",
    "No firewall rule matches on 'eth0' by name and no socket is bound to it; no rule names 'br2'; " +
    "no multicast group beyond the kernel's own is joined on 'eth0'",
  ]);
});

const PARAMS = { name: "fm", address: "198.51.100.50/24" };

Deno.test("H2/H11: full-migrate's plan refuses rules naming the bridge and joined groups without --force, notes them with it", () => {
  const refuse = (over: Partial<HostFacts>, pattern: RegExp) => {
    assert.throws(() => fullMigrate.plan(PARAMS, labHost(over)), (e: unknown) => {
      assert.ok(e instanceof PreconditionError);
      assert.match(`${e.message}\n${e.hint}`, pattern);
      return true;
    });
  };
  refuse(BR0_RULES, /^Rules name 'br0', the bridge this run creates.*ip rule 900: iif br0 prohibit.*--force/s);
  refuse(
    { multicastGroups: GROUPS },
    /^Multicast groups are joined on 'eth0' .*: 239\.1\.2\.3, 224\.0\.0\.5 \(2 users\), ff05::1:3, .*ss -lnup.*--force/s,
  );
  const forced = fullMigrate.plan({ ...PARAMS, force: true }, labHost({ ...BR0_RULES, multicastGroups: GROUPS }));
  const notes = forced.notes ?? [];
  assert.equal(
    notes.filter((n) => /^Rules name 'br0'.*Going ahead \(--force\)\.$/.test(n)).length,
    1,
    notes.join("\n"),
  );
  assert.equal(notes.filter((n) => /^Multicast groups .*239\.1\.2\.3.*Going ahead \(--force\)\.$/.test(n)).length, 1);
  assert.doesNotThrow(() => fullMigrate.plan({ ...PARAMS, bridge: "br2" }, labHost(BR0_RULES)));
});

Deno.test("H2: veth-bridge creating the bridge notes the rules that already name it (no refusal); an existing bridge's rules are not noted", () => {
  const plan = vethBridge.plan(vethBridge.params.parse({ name: "vb" }), labHost(BR0_RULES));
  assert.deepEqual(plan.notes?.filter((n) => n.startsWith("Rules")), [
    "Rules already name 'br0', which this run creates: they will apply to the namespace's traffic through it: " +
    'nft rule inet hb inp (handle 4): iifname == "br0"; ip rule 900: iif br0 prohibit; ' +
    "ip -6 rule 901: from 2001:db8::/32 oif br0 lookup 100.",
  ]);
  const other = vethBridge.plan(vethBridge.params.parse({ name: "vb", bridge: "br1" }), labHost(BR0_RULES));
  assert.deepEqual(other.notes?.filter((n) => n.startsWith("Rules")), [
    "Rules already name 'br1', which this run creates: they will apply to the namespace's traffic through it: " +
    'nft rule inet hb inp (handle 4): oifname == "br1".',
  ]);
  const br0 = {
    ifindex: 9,
    ifname: "br0",
    flags: ["UP"],
    mtu: 1500,
    operstate: "UP",
    linkinfo: { info_kind: "bridge" },
  };
  const host = labHost(BR0_RULES);
  const port = { ifindex: 10, ifname: "tap0", flags: ["UP"], mtu: 1500, operstate: "UP", master: "br0" };
  const onExisting = vethBridge.plan(vethBridge.params.parse({ name: "vb" }), {
    ...host,
    links: [...host.links, br0, port],
  });
  assert.deepEqual(onExisting.notes?.filter((n) => n.startsWith("Rules")), []);
});

/** `iptables -S` of an iptables-legacy firewall naming the bridge-to-be and the uplink. */
const IPTABLES = [
  "-P INPUT ACCEPT",
  "-P FORWARD DROP",
  "-N lan",
  "-A INPUT -i br0 -p tcp -m tcp --dport 22 -j DROP",
  "-A INPUT ! -i eth0 -j lan",
  "-A FORWARD -o br+ -j ACCEPT",
  "-A lan -s 10.0.0.0/8 -j ACCEPT",
].join("\n");

Deno.test("H2: iptables -S rules naming a link (-i, ! -i, -o with a + wildcard) are quoted; chains iptables-nft keeps in nft are left to nft", () => {
  assert.deepEqual(iptablesRulesNamingLink(IPTABLES, "iptables", "br0", []), [
    "iptables -A INPUT -i br0 -p tcp -m tcp --dport 22 -j DROP",
    "iptables -A FORWARD -o br+ -j ACCEPT",
  ]);
  assert.deepEqual(iptablesRulesNamingLink(IPTABLES, "ip6tables", "eth0", []), ["ip6tables -A INPUT ! -i eth0 -j lan"]);
  const nftKeeps = [{ chain: { family: "ip", table: "filter", name: "INPUT" } }];
  assert.deepEqual(iptablesRulesNamingLink(IPTABLES, "iptables", "br0", nftKeeps), [
    "iptables -A FORWARD -o br+ -j ACCEPT",
  ]);
  assert.deepEqual(iptablesRulesNamingLink(IPTABLES, "ip6tables", "br0", nftKeeps).length, 2, "ip6 is another family");
});

Deno.test("H2: doctor's uplink-refs names iptables rules on the uplink and the bridge-to-be; it fails them for full-migrate (whose plan reads no iptables) unless --force", () => {
  const facts = doctorFacts({
    host: text(labHost()),
    netfilter: { ...doctorFacts().netfilter, iptables: text(IPTABLES) },
  });
  const f = checkUplinkRefs(facts, {});
  assert.equal(f.verdict, "warn");
  // M2: a negated match starts matching all the host's traffic; said so, not "stop matching".
  assert.match(
    f.summary,
    /^Firewall rules match on anything but 'eth0' and start matching all the host's traffic once it is a port of a bridge \(the traffic then enters and leaves on the bridge\): iptables -A INPUT ! -i eth0 -j lan\. /,
  );
  assert.match(
    f.summary,
    /Rules name 'br0', .*: iptables -A INPUT -i br0 -p tcp -m tcp --dport 22 -j DROP; iptables -A FORWARD -o br\+ -j ACCEPT$/,
  );
  assert.equal(checkUplinkRefs(facts, { movesUplink: true }).verdict, "fail");
  assert.equal(checkUplinkRefs(facts, { movesUplink: true, force: true }).verdict, "warn");
  assert.equal(checkUplinkRefs(facts, { movesUplink: false }).verdict, "warn");
});

Deno.test("a bridge's own groups (Multicast Router Discovery's all-snoopers, 224.0.0.106 and ff02::6a, RFC 4286) count as the kernel's on a bridge, and only there", () => {
  const groups = [
    ...parseIgmp(
      "Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter\n" +
        "5\tbr0       :     2      V3\n\t\t\t\t6A0000E0     1 0:00000000\t\t0\n\t\t\t\t010000E0     1 0:00000000\t\t0\n" +
        "6\tbr1       :     1      V3\n\t\t\t\t6A0000E0     2 0:00000000\t\t0\n",
    ),
    ...parseIgmp6(
      "5    br0             ff02000000000000000000000000006a     1 00000004 0\n" +
        "7    eth1            ff02000000000000000000000000006a     1 00000004 0\n",
    ),
  ];
  assert.deepEqual(groupsJoinedBySockets(groups, "br0", "bridge"), []);
  assert.deepEqual(groupsJoinedBySockets(groups, "br0"), ["224.0.0.106", "ff02::6a"], "not known to be a bridge");
  assert.deepEqual(groupsJoinedBySockets(groups, "br1", "bridge"), ["224.0.0.106 (2 users, 1 of them the kernel)"]);
  assert.deepEqual(groupsJoinedBySockets(groups, "eth1", "veth"), ["ff02::6a"]);
});
