import assert from "node:assert/strict";
import { checkBridgeName, checkNetnsName } from "../../src/doctor/mod.ts";
import { doctorFacts, labHost, link, text } from "../support/doctor_facts.ts";

const host = labHost({
  netns: [
    { name: "web", state: "live", madeBy: { id: "20261130T234124-913c", label: "web" } },
    { name: "n1", state: "stale" },
    { name: "other", state: "live" },
  ],
  links: [...labHost().links, link("br0", 3, "bridge"), link("dummy0", 4, "dummy")],
});
const facts = doctorFacts({ host: text(host) });

Deno.test("netns-name (P15): a taken name fails with how to free it, naming the applied run that made it, or saying none did; a free one is ok", () => {
  const taken = checkNetnsName(facts, { netns: "web" });
  assert.equal(taken.verdict, "fail");
  assert.equal(taken.summary, "A network namespace named 'web' already exists");
  assert.equal(
    taken.fix,
    "It belongs to applied run 20261130T234124-913c (web): 'nsrecipe undo web' removes it, or choose another --name.",
  );
  const foreign = checkNetnsName(facts, { netns: "other" });
  assert.equal(foreign.verdict, "fail");
  assert.equal(
    foreign.fix,
    "No applied run of nsrecipe made it: choose another --name, or remove it ('ip netns del other').",
  );
  assert.equal(checkNetnsName(facts, { netns: "db" }).verdict, "ok");
});

Deno.test("netns-name: a stale /run/netns entry fails as such, with the command that removes it (K06)", () => {
  const f = checkNetnsName(facts, { netns: "n1" });
  assert.equal(f.verdict, "fail");
  assert.match(f.summary, /stale namespace file/);
  assert.match(f.fix ?? "", /rm \/run\/netns\/n1/);
});

Deno.test("netns-name: without --name there is nothing to check", () => {
  assert.equal(checkNetnsName(facts, {}).verdict, "ok");
});

Deno.test("bridge-name: free → created; an existing bridge → used, not owned", () => {
  const free = checkBridgeName(facts, { bridge: "br9" });
  assert.equal(free.verdict, "ok");
  assert.match(free.summary, /will be created/);
  const used = checkBridgeName(facts, { bridge: "br0" });
  assert.equal(used.verdict, "ok");
  assert.match(used.summary, /used, not owned/);
});

Deno.test("bridge-name: without --bridge, the recipes' default br0 is checked (as forward and uplink-refs take it)", () => {
  assert.deepEqual(checkBridgeName(facts, {}), checkBridgeName(facts, { bridge: "br0" }));
  assert.notEqual(checkBridgeName(facts, {}).summary, checkBridgeName(facts, { bridge: "br9" }).summary);
});

Deno.test("bridge-name: a link of another kind, or the uplink, fails", () => {
  const dummy = checkBridgeName(facts, { bridge: "dummy0" });
  assert.equal(dummy.verdict, "fail");
  assert.equal(dummy.summary, "A link named 'dummy0' exists and is a dummy, not a bridge");
  const uplink = checkBridgeName(facts, { bridge: "eth0" });
  assert.equal(uplink.verdict, "fail");
  assert.match(uplink.summary, /'eth0' is the uplink/);
});

Deno.test("netns-name (H16): a free name whose --nat table exists warns, naming the table and how to clear it", () => {
  const table = "nsrecipe_db_1234";
  const withTable = doctorFacts({
    host: text({ ...host, nftables: [{ table: { family: "inet", name: table, handle: 3 } }] }),
  });
  const f = checkNetnsName(withTable, { netns: "db", natTable: table });
  assert.equal(f.verdict, "warn");
  assert.equal(
    f.summary,
    `The namespace name 'db' is free, but the nftables table 'inet ${table}' that 'veth-bridge --name db --nat' ` +
      "makes exists already: such a run is refused",
  );
  assert.match(f.fix ?? "", new RegExp(`nft list table inet ${table}.*nft delete table inet ${table}`));
  // Another family of that name, or another name, is no bar.
  for (const other of [{ family: "ip", name: table }, { family: "inet", name: "nsrecipe_web_1234" }]) {
    const facts2 = doctorFacts({ host: text({ ...host, nftables: [{ table: other }] }) });
    assert.equal(checkNetnsName(facts2, { netns: "db", natTable: table }).verdict, "ok");
  }
});
