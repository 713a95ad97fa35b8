import assert from "node:assert/strict";
import {
  bridgeNfDecides,
  checkForward,
  type DoctorFacts,
  forwardReport,
  iptablesForwardDrop,
  type NetfilterFacts,
  nftForwardDrops,
} from "../../src/doctor/mod.ts";
import { doctorFacts, missing, text } from "../support/doctor_facts.ts";

type Json = Record<string, unknown>;

function ruleset(...items: Json[]): string {
  return JSON.stringify({ nftables: [{ metainfo: { version: "1.0.6", json_schema_version: 1 } }, ...items] });
}
function chain(family: string, table: string, name: string, hook: string, policy: string): Json {
  return { chain: { family, table, name, handle: 1, type: "filter", hook, prio: 0, policy } };
}
function rule(family: string, table: string, chainName: string, expr: Json[]): Json {
  return { rule: { family, table, chain: chainName, handle: 2, expr } };
}
const meta = (key: string, value: string): Json => ({
  match: { op: "==", left: { meta: { key } }, right: value },
});
/** What `nft insert rule inet t fwd iifname "br0" oifname "br0" accept` lists as (seen in a lab). */
const allowBr0 = [meta("iifname", "br0"), meta("oifname", "br0"), { accept: null }];

function facts(nf: Partial<NetfilterFacts>): DoctorFacts {
  const base = doctorFacts();
  return { ...base, netfilter: { ...base.netfilter, ...nf } };
}
const ON = { bridgeNfIptables: text("1\n"), bridgeNfIp6tables: text("1\n") };
const OFF = { bridgeNfIptables: text("0\n"), bridgeNfIp6tables: text("0\n") };
const INET_DROP = ruleset(chain("inet", "t", "fwd", "forward", "drop"));

Deno.test("forward: an empty ruleset is ok", () => {
  const f = checkForward(facts({}), {});
  assert.equal(f.verdict, "ok");
  assert.equal(f.summary, "No forward chain drops traffic of 'br0'");
});

Deno.test("forward: bridge netfilter on with nothing dropping is ok, noting what a later drop policy would do", () => {
  const f = checkForward(facts(ON), {});
  assert.equal(f.verdict, "ok");
  assert.match(f.summary, /bridge netfilter on .*would drop it/);
});

Deno.test("forward: policy drop on an inet forward chain with bridge netfilter on drops bridged traffic; the fix is one narrow nft rule", () => {
  const f = checkForward(facts({ ...ON, nft: text(INET_DROP) }), { bridge: "br7" });
  assert.equal(f.verdict, "warn");
  assert.match(
    f.summary,
    /^Bridged traffic on 'br7' is dropped by nft chain inet t fwd \(policy drop\), with bridge netfilter on/,
  );
  assert.match(f.fix ?? "", /nsrecipe changes no firewall rule/);
  assert.match(f.fix ?? "", /^nft insert rule inet t fwd iifname "br7" oifname "br7" accept$/m);
});

Deno.test("forward: the same chain with bridge netfilter off drops only routed traffic (NAT)", () => {
  const f = checkForward(facts({ ...OFF, nft: text(INET_DROP) }), {});
  assert.equal(f.verdict, "warn");
  assert.match(
    f.summary,
    /routed from 'br0' \(veth-bridge --nat\) is dropped .*bridged traffic is not \(bridge netfilter off\)/,
  );
  assert.match(f.fix ?? "", /^nft insert rule inet t fwd oifname "br0" ct state established,related accept$/m);
  assert.match(f.fix ?? "", /^nft insert rule inet t fwd iifname "br0" accept$/m);
});

Deno.test("forward: a bridge-family forward chain drops bridged frames whatever bridge netfilter says", () => {
  const nft = ruleset(
    chain("bridge", "b", "f", "forward", "accept"),
    rule("bridge", "b", "f", [{ counter: { packets: 0, bytes: 0 } }, { drop: null }]),
  );
  const f = checkForward(facts({ ...OFF, nft: text(nft) }), {});
  assert.equal(f.verdict, "warn");
  assert.match(f.summary, /nft chain bridge b f \(a final 'drop' rule\)$/);
  assert.match(f.fix ?? "", /^nft insert rule bridge b f meta ibrname "br0" accept$/m);
});

Deno.test("forward: a final unconditional reject (as firewalld ends its chain) counts as dropping", () => {
  const nft = ruleset(
    chain("inet", "firewalld", "filter_FORWARD", "forward", "accept"),
    rule("inet", "firewalld", "filter_FORWARD", [{
      match: { op: "in", left: { ct: { key: "state" } }, right: ["established", "related"] },
    }, { accept: null }]),
    rule("inet", "firewalld", "filter_FORWARD", [{ reject: { type: "icmpx", expr: "admin-prohibited" } }]),
  );
  const drops = nftForwardDrops(nft, "br0", { ipv4: true, ipv6: false });
  assert.equal(drops.length, 1);
  assert.equal(drops[0].how, "a final 'reject' rule");
  assert.equal(drops[0].scope, "both");
  assert.ok(drops[0].bridged);
});

Deno.test("forward: a conditional drop rule or a non-forward hook does not count", () => {
  const nft = ruleset(
    chain("inet", "t", "fwd", "forward", "accept"),
    rule("inet", "t", "fwd", [meta("iifname", "eth9"), { drop: null }]),
    chain("inet", "t", "in", "input", "drop"),
  );
  assert.deepEqual(nftForwardDrops(nft, "br0", { ipv4: true, ipv6: true }), []);
});

Deno.test("forward: once the suggested rule is in the chain, the check is ok", () => {
  const nft = ruleset(chain("inet", "t", "fwd", "forward", "drop"), rule("inet", "t", "fwd", allowBr0));
  const f = checkForward(facts({ ...ON, nft: text(nft) }), {});
  assert.equal(f.verdict, "ok");
  assert.match(f.summary, /'br0' is let through nft chain inet t fwd \(policy drop\)/);
  const other = checkForward(facts({ ...ON, nft: text(nft) }), { bridge: "br1" });
  assert.equal(other.verdict, "warn", "the rule lets br0 through, not br1");
});

Deno.test("forward: an accept rule after the final drop rule does not help", () => {
  const nft = ruleset(
    chain("inet", "t", "fwd", "forward", "accept"),
    rule("inet", "t", "fwd", [{ drop: null }]),
    rule("inet", "t", "fwd", allowBr0),
  );
  assert.equal(checkForward(facts({ ...ON, nft: text(nft) }), {}).verdict, "warn");
});

Deno.test("forward: iptables -P FORWARD DROP as Docker sets it: the fix goes into DOCKER-USER", () => {
  const docker = "-P INPUT ACCEPT\n-P FORWARD DROP\n-P OUTPUT ACCEPT\n-N DOCKER\n-N DOCKER-USER\n" +
    "-A FORWARD -j DOCKER-USER\n-A FORWARD -o docker0 -j DOCKER\n-A DOCKER-USER -j RETURN\n";
  const f = checkForward(facts({ ...ON, iptables: text(docker), nft: missing("'nft' was not found in PATH") }), {});
  assert.equal(f.verdict, "warn");
  assert.match(f.summary, /iptables FORWARD \(via DOCKER-USER\) \(policy DROP\)/);
  assert.match(f.fix ?? "", /^iptables -I DOCKER-USER -i br0 -o br0 -j ACCEPT$/m);
  const fixed = docker.replace(
    "-A DOCKER-USER -j RETURN",
    "-A DOCKER-USER -i br0 -o br0 -j ACCEPT\n-A DOCKER-USER -j RETURN",
  );
  assert.equal(iptablesForwardDrop(fixed, "iptables", "br0", true)?.allowed, true);
});

Deno.test("forward: iptables FORWARD with a final REJECT, and physdev-is-bridged accepts", () => {
  const text1 = "-P FORWARD ACCEPT\n-A FORWARD -j REJECT --reject-with icmp-host-prohibited\n";
  const d = iptablesForwardDrop(text1, "iptables", "br0", false);
  assert.equal(d?.how, "a final 'REJECT' rule");
  assert.equal(d?.allowBridged, "iptables -I FORWARD -i br0 -o br0 -j ACCEPT");
  const libvirt = "-P FORWARD DROP\n-A FORWARD -m physdev --physdev-is-bridged -j ACCEPT\n";
  assert.equal(iptablesForwardDrop(libvirt, "iptables", "br0", true)?.allowed, true);
  assert.equal(
    iptablesForwardDrop("-P FORWARD ACCEPT\n-A FORWARD -i eth9 -j DROP\n", "iptables", "br0", true),
    undefined,
  );
});

Deno.test("forward: an iptables-nft chain seen by both nft and iptables is reported once", () => {
  const nft = ruleset(chain("ip", "filter", "FORWARD", "forward", "drop"));
  const r = forwardReport(
    { ...facts(ON).netfilter, nft: text(nft), iptables: text("-P FORWARD DROP\n") },
    "br0",
  );
  assert.deepEqual(r.drops.map((d) => d.where), ["iptables FORWARD"]);
  assert.deepEqual(r.checked, ["nft", "iptables"]);
});

Deno.test("forward: nothing readable is 'not checked', with how to check", () => {
  const f = checkForward(
    facts({
      nft: missing("'nft' was not found in PATH"),
      iptables: missing("'iptables' was not found in PATH"),
    }),
    {},
  );
  assert.equal(f.verdict, "warn");
  assert.match(f.summary, /^Forward filtering not checked: nft: 'nft' was not found in PATH; iptables: /);
  assert.match(f.fix ?? "", /apt-get install nftables/);
});

Deno.test("forward: a tool that failed (not root) is named as not checked; one not installed is not", () => {
  const f = checkForward(facts({ iptables: missing("Permission denied (you must be root)") }), {});
  assert.equal(f.verdict, "ok");
  assert.match(f.summary, /\(not checked: iptables\)$/);
  assert.doesNotMatch(checkForward(facts({}), {}).summary, /not checked/);
});

Deno.test("forward: unparsable nft output is not checked rather than a crash", () => {
  const r = forwardReport({ ...facts({}).netfilter, nft: text("not json") }, "br0");
  assert.deepEqual(r.checked, []);
  assert.match(r.unchecked[0], /^nft: its JSON output could not be parsed/);
});

Deno.test("forward (M10): a routed drop fails a run that routes out of the bridge (veth-bridge --nat), unless --force", () => {
  const f = checkForward(facts({ ...OFF, nft: text(INET_DROP) }), { routes: true, movesUplink: false });
  assert.equal(f.verdict, "fail");
  assert.match(
    f.summary,
    /^Traffic routed from 'br0' \(veth-bridge --nat\) is dropped by nft chain inet t fwd \(policy drop\); bridged traffic is not \(bridge netfilter off\); the namespace could not reach beyond the bridge$/,
  );
  assert.match(f.fix ?? "", /^nft insert rule inet t fwd iifname "br0" accept$/m);
  assert.match(f.fix ?? "", /^Or pass --force to go ahead anyway\.$/m);
  const forced = checkForward(facts({ ...OFF, nft: text(INET_DROP) }), { routes: true, force: true });
  assert.equal(forced.verdict, "warn");
  assert.match(forced.summary, /; the namespace could not reach beyond the bridge \(--force given\)$/);
  assert.doesNotMatch(forced.fix ?? "", /--force/);
});

Deno.test("forward (M10): with bridge netfilter on, a --nat run is judged on the routed drop, naming the bridged one too", () => {
  const f = checkForward(facts({ ...ON, nft: text(INET_DROP) }), { routes: true, movesUplink: false });
  assert.equal(f.verdict, "fail");
  assert.match(
    f.summary,
    /is dropped by nft chain inet t fwd \(policy drop\); bridged traffic is too \(bridge netfilter on/,
  );
});

Deno.test("forward (M10): a drop the run does not depend on stays a warning", () => {
  // veth-bridge without --nat: nothing leaves the bridge.
  assert.equal(checkForward(facts({ ...OFF, nft: text(INET_DROP) }), { movesUplink: false }).verdict, "warn");
  // --nat with only a bridge-family drop: routed traffic passes.
  const bridgeOnly = ruleset(chain("bridge", "b", "f", "forward", "drop"));
  const nat = checkForward(facts({ ...OFF, nft: text(bridgeOnly) }), { routes: true, movesUplink: false });
  assert.equal(nat.verdict, "warn");
  assert.match(nat.summary, /^Bridged traffic on 'br0' is dropped by nft chain bridge b f \(policy drop\)$/);
  // full-migrate with a routed-only drop: its namespace is bridged onto the LAN, not routed.
  assert.equal(checkForward(facts({ ...OFF, nft: text(INET_DROP) }), { movesUplink: true }).verdict, "warn");
});

Deno.test("forward (M10): a bridged drop fails full-migrate (its namespace is bridged onto the LAN), unless --force", () => {
  const bridgeOnly = ruleset(chain("bridge", "b", "f", "forward", "drop"));
  const f = checkForward(facts({ ...OFF, nft: text(bridgeOnly) }), { movesUplink: true });
  assert.equal(f.verdict, "fail");
  assert.match(f.summary, /dropped by nft chain bridge b f \(policy drop\); the namespace could not reach the LAN$/);
  assert.equal(
    checkForward(facts({ ...OFF, nft: text(bridgeOnly) }), { movesUplink: true, force: true }).verdict,
    "warn",
  );
});

Deno.test("bridgeNfDecides: only a dropping forward chain of the ip, ip6 or inet family (or iptables' FORWARD) makes bridge netfilter matter", () => {
  const none = { nft: text(ruleset()), iptables: missing("iptables"), ip6tables: missing("ip6tables") };
  assert.equal(bridgeNfDecides(none), false, "nothing drops");
  assert.equal(bridgeNfDecides({ ...none, nft: text(ruleset(chain("bridge", "t", "fwd", "forward", "drop"))) }), false);
  assert.equal(bridgeNfDecides({ ...none, nft: text(ruleset(chain("inet", "t", "fwd", "forward", "accept"))) }), false);
  assert.equal(bridgeNfDecides({ ...none, nft: text(INET_DROP) }), true);
  assert.equal(bridgeNfDecides({ ...none, nft: text(ruleset(chain("ip6", "t", "fwd", "forward", "drop"))) }), true);
  assert.equal(bridgeNfDecides({ ...none, iptables: text("-P FORWARD DROP\n") }), true);
  // The verdict without the settings read is the one with them off, when they cannot decide: the same finding.
  const bridgeOnly = text(ruleset(chain("bridge", "t", "fwd", "forward", "drop")));
  const unread = { ok: false as const, reason: "not read: no forward chain of the ip, ip6 or inet family drops" };
  for (const ctx of [{}, { movesUplink: true }, { routes: true }]) {
    const read = checkForward(facts({ nft: bridgeOnly, ...OFF }), ctx);
    const skipped = checkForward(facts({ nft: bridgeOnly, bridgeNfIptables: unread, bridgeNfIp6tables: unread }), ctx);
    assert.deepEqual(skipped, read, JSON.stringify(ctx));
  }
});
