import assert from "node:assert/strict";
import { bridgeChainsDroppingHost, bridgeDropSentence } from "../../src/host/mod.ts";
import { checkUplinkRefs } from "../../src/doctor/uplink_refs.ts";
import { doctorFacts, labHost, text } from "../support/doctor_facts.ts";

/** `nft -j list ruleset` entries for `table bridge NAME { chain C { type filter hook H priority 0; policy P; } }`. */
const chain = (table: string, name: string, hook: string | undefined, policy = "accept") => ({
  chain: {
    family: "bridge",
    table,
    name,
    handle: 1,
    ...(hook ? { type: "filter", hook, prio: 0, policy } : {}),
  },
});
const rule = (table: string, chainName: string, handle: number, expr: unknown[], family = "bridge") => ({
  rule: { family, table, chain: chainName, handle, expr },
});
const meta = (key: string, right: string, op = "==") => ({ match: { op, left: { meta: { key } }, right } });
const ARP_ACCEPT = { match: { op: "==", left: { meta: { key: "protocol" } }, right: "arp" } };

Deno.test("X8: an ebtables-style bridge input chain with policy drop is found (the hostile test's ruleset)", () => {
  const ruleset = [
    { metainfo: { version: "1.0.6", json_schema_version: 1 } },
    { table: { family: "bridge", name: "guard", handle: 1 } },
    chain("guard", "in", "input", "drop"),
    rule("guard", "in", 2, [ARP_ACCEPT, { accept: null }]),
  ];
  assert.deepEqual(bridgeChainsDroppingHost(ruleset, "eth0", "br0"), [
    "nft chain bridge guard in (hook input): policy drop",
  ]);
});

Deno.test("X8: drop and reject rules on prerouting/output/postrouting are found; other bridges' and ports' rules, forward and regular chains, and other families are not", () => {
  const ruleset = [
    chain("f", "pre", "prerouting"),
    rule("f", "pre", 3, [{ counter: { packets: 0, bytes: 0 } }, { drop: null }]),
    rule("f", "pre", 4, [meta("ibrname", "virbr0"), { drop: null }]), // another bridge's
    rule("f", "pre", 5, [meta("iifname", "eth*"), { reject: null }]), // the uplink, by wildcard
    chain("f", "out", "output"),
    rule("f", "out", 6, [meta("obrname", "br0"), { drop: null }]), // the bridge to be
    chain("f", "post", "postrouting"),
    rule("f", "post", 7, [meta("oifname", "vnet3"), { drop: null }]), // another port's
    rule("f", "post", 8, [meta("oifname", "vnet3", "!="), { drop: null }]), // all but another port: hits the host
    chain("f", "fwd", "forward", "drop"), // the forward check's
    chain("f", "sub", undefined), // a regular chain: no hook
    rule("f", "sub", 9, [{ drop: null }]),
    {
      chain: {
        family: "inet",
        table: "x",
        name: "in",
        handle: 1,
        type: "filter",
        hook: "input",
        prio: 0,
        policy: "drop",
      },
    },
    rule("x", "in", 10, [{ drop: null }], "inet"),
  ];
  assert.deepEqual(bridgeChainsDroppingHost(ruleset, "eth0", "br0"), [
    "nft chain bridge f pre (hook prerouting): drop rule(s) handle 3, handle 5",
    "nft chain bridge f out (hook output): drop rule(s) handle 6",
    "nft chain bridge f post (hook postrouting): drop rule(s) handle 8",
  ]);
  assert.deepEqual(bridgeChainsDroppingHost(ruleset, "enp1s0", "br9"), [
    "nft chain bridge f pre (hook prerouting): drop rule(s) handle 3",
    "nft chain bridge f post (hook postrouting): drop rule(s) handle 8",
  ]);
  assert.deepEqual(bridgeChainsDroppingHost([chain("ok", "in", "input")], "eth0", "br0"), []);
  assert.equal(bridgeDropSentence("eth0", "'br0'", []), undefined);
});

Deno.test("X8: doctor's uplink-refs warns about a bridge input chain with policy drop, naming it and the fix", () => {
  const f = checkUplinkRefs(
    doctorFacts({ host: text(labHost({ nftables: [chain("guard", "in", "input", "drop")] })) }),
    {},
  );
  assert.equal(f.verdict, "warn");
  assert.equal(
    f.summary,
    "Bridge-family firewall chains see none of the host's traffic now and drop it once 'eth0' is a port of a " +
      "bridge (every frame of the host's LAN traffic then passes them), cutting the host off its LAN: " +
      "nft chain bridge guard in (hook input): policy drop",
  );
  assert.match(f.fix ?? "", /iifname "eth0" accept/);
  assert.match(f.fix ?? "", /--force/);
});
