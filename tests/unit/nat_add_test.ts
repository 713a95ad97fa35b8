import assert from "node:assert/strict";
import { type NatAddStep, tableContent } from "../../src/steps/nat_add.ts";

const STEP: NatAddStep = {
  kind: "nat-add",
  table: "nsrecipe_n_eb0c",
  subnet: "10.200.0.0/24",
  bridge: "br0",
  uplink: "eth0",
};
const T = { family: "inet", table: STEP.table };
const rule = (chain: string, addr: string, verdict: string) => ({
  rule: { ...T, chain, expr: [{ match: { right: addr } }, { [verdict]: null }] },
});
/** What `nft -j list table` prints for the step's table (the parts tableContent reads). */
const OWN = [
  { metainfo: { version: "1.0.6" } },
  { table: { family: "inet", name: STEP.table, handle: 7 } },
  { chain: { ...T, name: "postrouting", type: "nat", hook: "postrouting" } },
  { chain: { ...T, name: "forward", type: "filter", hook: "forward" } },
  rule("postrouting", "10.200.0.0", "masquerade"),
  rule("forward", "10.200.0.0", "accept"),
  rule("forward", "10.200.0.0", "accept"),
];

Deno.test("tableContent: the step's own table is its two chains and nothing foreign", () => {
  assert.deepEqual(tableContent(STEP, OWN), { own: ["postrouting", "forward"], foreign: [] });
});

Deno.test("tableContent: someone's chain and rule in the table are foreign; the step's chains still its own", () => {
  const admin = [{ chain: { ...T, name: "admin", hook: "input" } }, rule("admin", "23", "drop")];
  assert.deepEqual(tableContent(STEP, [...OWN, ...admin]), {
    own: ["postrouting", "forward"],
    foreign: ["chain 'admin'", "rule in 'admin'"],
  });
});

Deno.test("tableContent: a rule added to the step's 'forward', a 'postrouting' on another hook, a set: not the step's", () => {
  const entries = [
    ...OWN.filter((e) => !("chain" in e && e.chain?.name === "postrouting")),
    { chain: { ...T, name: "postrouting", hook: "prerouting" } },
    rule("forward", "192.0.2.0", "drop"),
    { set: { ...T, name: "blocked" } },
  ];
  assert.deepEqual(tableContent(STEP, entries), {
    own: [],
    foreign: [
      "set blocked",
      "chain 'forward'",
      "rule in 'forward'",
      "rule in 'forward'",
      "rule in 'forward'",
      "chain 'postrouting'",
      "rule in 'postrouting'",
    ],
  });
});

Deno.test("tableContent: a table made anew under the name with someone's 'postrouting' masquerading another subnet is not the step's", () => {
  const entries = [
    { table: { family: "inet", name: STEP.table, handle: 9 } },
    { chain: { ...T, name: "postrouting", hook: "postrouting" } },
    rule("postrouting", "10.9.0.0", "masquerade"),
  ];
  assert.deepEqual(tableContent(STEP, entries), { own: [], foreign: ["chain 'postrouting'", "rule in 'postrouting'"] });
});
