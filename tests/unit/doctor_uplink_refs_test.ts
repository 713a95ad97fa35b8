import assert from "node:assert/strict";
import { checkUplinkRefs } from "../../src/doctor/uplink_refs.ts";
import { doctorFacts, labHost, text } from "../support/doctor_facts.ts";

const iifRule = (family: string, name: string) => ({
  rule: {
    family,
    table: "filter",
    chain: "input",
    handle: 7,
    expr: [{ match: { op: "==", left: { meta: { key: "iifname" } }, right: name } }, { accept: null }],
  },
});

Deno.test("uplink-refs: an inet rule matching the uplink by name warns, naming the rule and the fix; policy rules it moves are named", () => {
  const f = checkUplinkRefs(
    doctorFacts({
      host: text(labHost({
        nftables: [iifRule("inet", "eth0"), iifRule("bridge", "eth0")],
        rules4: [{ priority: 100, src: "all", iif: "eth0", table: "100" }],
      })),
    }),
    {},
  );
  assert.equal(f.verdict, "warn");
  assert.equal(
    f.summary,
    "Firewall rules match on 'eth0' and stop matching once it is a port of a bridge: " +
      'nft rule inet filter input (handle 7): iifname == "eth0"; ' +
      "full-migrate moves the 1 policy rule(s) naming it to the bridge",
  );
  assert.match(f.fix ?? "", /iifname \{ "eth0", "br0" \}.*--force/s);
});

Deno.test("uplink-refs: no rule naming the uplink is ok; an unreadable ruleset warns", () => {
  const ok = checkUplinkRefs(doctorFacts({ host: text(labHost({ nftables: [iifRule("inet", "eth1")] })) }), {});
  assert.deepEqual([ok.verdict, ok.summary], ["ok", "No firewall rule matches on 'eth0' by name"]);
  const unread = checkUplinkRefs(doctorFacts({ host: text(labHost({ nftables: undefined })) }), {});
  assert.equal(unread.verdict, "warn");
  assert.match(unread.summary, /could not be read/);
});
