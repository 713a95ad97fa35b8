/**
 * F2: every form in which an nftables rule can name the uplink. The fixture
 * is `nft -j list ruleset` (nftables 1.0.6) of `tests/fixtures/nft_uplink_refs.nft`,
 * loaded in a fresh network namespace; handles are those nft gave.
 */
import assert from "node:assert/strict";
import { isNegatedLinkRef, nftRulesNamingLink, uplinkRefSentences } from "../../src/host/mod.ts";

const RULESET = (JSON.parse(
  await Deno.readTextFile(new URL("../fixtures/nft_uplink_refs.json", import.meta.url)),
) as { nftables: Record<string, unknown>[] }).nftables;

Deno.test("F2: named sets, verdict maps (named, anonymous, concatenated keys), data maps and concatenations naming the uplink are found", () => {
  assert.deepEqual(nftRulesNamingLink(RULESET, "eth0"), [
    'nft rule inet fw input (handle 12): iifname == @trusted_ifs ("eth0")',
    'nft rule inet fw input (handle 13): iifname vmap @vm ("eth0")',
    'nft rule inet fw input (handle 15): iifname vmap "eth0"',
    'nft rule inet fw input (handle 17): iifname . ip saddr == "eth0"',
    'nft rule inet fw input (handle 18): iifname . ip saddr vmap @cm ("eth0")',
    'nft rule inet fw input (handle 20): ip saddr . iifname == "eth*"',
    'nft rule inet fw input (handle 21): iifname != @trusted_ifs ("eth0")',
    'nft rule inet fw input (handle 22): iifname == @wild ("eth*")',
    'nft rule inet fw input (handle 23): iifname == @tmo ("eth0")',
    'nft rule inet fw pre (handle 27): iifname map @marks ("eth0")',
    'nft rule inet fw pre (handle 28): iifname . ip saddr == @cs ("eth0")',
    'nft rule inet fw post (handle 30): oifname . ip daddr vmap "eth0"',
    'nft rule inet fw post (handle 31): oifname == @trusted_ifs ("eth0")',
  ]);
});

Deno.test("F2: a named set is resolved in the rule's own table; a bridge-family set is not reported", () => {
  // `table ip other` has its own @trusted_ifs = { "wg0" }; `inet fw`'s holds eth0 and lo.
  assert.deepEqual(nftRulesNamingLink(RULESET, "wg0"), [
    'nft rule inet fw input (handle 18): iifname . ip saddr vmap @cm ("wg0")',
    'nft rule inet fw input (handle 24): iifname == @others ("wg0")',
    'nft rule inet fw input (handle 25): iifname == "wg0"',
    'nft rule ip other c (handle 3): iifname == @trusted_ifs ("wg0")',
  ]);
});

Deno.test("F2: a wildcard element names every link it covers, and only those", () => {
  assert.deepEqual(nftRulesNamingLink(RULESET, "eth1"), [
    'nft rule inet fw input (handle 20): ip saddr . iifname == "eth*"',
    'nft rule inet fw input (handle 22): iifname == @wild ("eth*")',
  ]);
  assert.deepEqual(nftRulesNamingLink(RULESET, "et"), []);
});

Deno.test("F2: a set the ruleset does not declare, or an odd expression, names nothing (no throw)", () => {
  const rule = (expr: unknown) => ({ rule: { family: "inet", table: "t", chain: "c", expr } });
  assert.deepEqual(
    nftRulesNamingLink([
      rule([{ match: { op: "==", left: { meta: { key: "iifname" } }, right: "@missing" } }]),
      rule([{ vmap: { key: { concat: [{ meta: { key: "oif" } }] }, data: { set: [["eth0"]] } } }]),
      rule([{ match: { op: "==", left: { concat: [{ meta: { key: "iifname" } }] }, right: "eth0" } }]),
      rule(null),
    ], "eth0"),
    [],
  );
});

Deno.test("M2: a rule matching anything but the uplink starts matching all the host's traffic once it is a bridge port; said apart from the rules that stop matching", () => {
  const refs = [
    'nft rule inet fw input (handle 4): iifname == "eth0"',
    'nft rule inet fw input (handle 7): iifname != "eth0"',
    'nft rule inet fw input (handle 21): iifname != @trusted_ifs ("eth0")',
    "iptables -A INPUT ! -i eth0 -j lan",
    "iptables -A INPUT -i eth0 -j ACCEPT",
  ];
  assert.deepEqual(refs.map(isNegatedLinkRef), [false, true, true, true, false]);
  assert.deepEqual(uplinkRefSentences("eth0", "'br0'", refs), [
    "Firewall rules match on 'eth0' and stop matching once it is a port of 'br0': " +
    'nft rule inet fw input (handle 4): iifname == "eth0"; iptables -A INPUT -i eth0 -j ACCEPT',
    "Firewall rules match on anything but 'eth0' and start matching all the host's traffic once it is a port of " +
    "'br0' (the traffic then enters and leaves on the bridge): " +
    'nft rule inet fw input (handle 7): iifname != "eth0"; ' +
    'nft rule inet fw input (handle 21): iifname != @trusted_ifs ("eth0"); iptables -A INPUT ! -i eth0 -j lan',
  ]);
  assert.deepEqual(uplinkRefSentences("eth0", "'br0'", []), []);
});
