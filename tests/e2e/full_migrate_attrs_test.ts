/**
 * H6, H7: full-migrate carries the uplink's route realms and link group to
 * the bridge and undo gives them back: `ip -json route` shows the realm on
 * br0 while migrated and on eth0 after undo, the bridge is in the uplink's
 * link group (an nft `iifgroup` rule keeps dropping the LAN's pings), and the
 * snapshot after undo equals the one before.
 */
import assert from "node:assert/strict";
import { IpReader } from "../../src/host/mod.ts";
import { LAB_NETNS } from "../../src/lab/mod.ts";
import { type TestLab, withLab } from "../support/lab.ts";
import { migrateAndUndo, ping, setup } from "../support/migrate.ts";

/** The realms (`flow`) of the routes to `dst` through `dev`, as `ip -json route show table all` shows them. */
async function realms(lab: TestLab, dst: string, dev: string): Promise<unknown[]> {
  const routes = await new IpReader(lab.runner).routes(4);
  return routes.filter((r) => r.dst === dst && r.dev === dev).map((r) => r.flow);
}

Deno.test("H6/H7: route realms (to, from/to, in table 100), a rule's realms and the link group move to br0 and come back with undo", async () => {
  await withLab(async (lab) => {
    await setup(lab, [
      ["ip", "route", "add", "10.62.0.0/16", "via", "198.51.100.1", "dev", "eth0", "realm", "5"],
      ["ip", "route", "add", "10.63.0.0/16", "via", "198.51.100.1", "dev", "eth0", "realm", "3/5", "table", "100"],
      ["ip", "rule", "add", "iif", "eth0", "realms", "3/5", "lookup", "100", "pref", "1000"],
      ["ip", "link", "set", "dev", "eth0", "group", "7"],
      ["nft", "add", "table", "inet", "hg"],
      ["nft", "add", "chain", "inet", "hg", "inp", "{ type filter hook input priority 0; policy accept; }"],
      ["nft", "add", "rule", "inet", "hg", "inp", "iifgroup", "7", "icmp", "type", "echo-request", "drop"],
    ]);
    const lanPing = () => ping(lab, "198.51.100.10", LAB_NETNS.lanHost);
    assert.notEqual((await lanPing()).code, 0, "before: the group rule drops the LAN's ping");
    assert.deepEqual(await realms(lab, "10.62.0.0/16", "eth0"), [{ to: "5" }]);
    await migrateAndUndo(lab, {
      during: async () => {
        assert.deepEqual(await realms(lab, "10.62.0.0/16", "br0"), [{ to: "5" }]);
        assert.deepEqual(await realms(lab, "10.63.0.0/16", "br0"), [{ from: "3", to: "5" }]);
        assert.deepEqual(await realms(lab, "10.62.0.0/16", "eth0"), []);
        assert.equal((await new IpReader(lab.runner).link("br0"))?.group, "7");
        const rule = (await new IpReader(lab.runner).rules(4)).find((r) => r.priority === 1000);
        assert.deepEqual([rule?.iif, rule?.flow_from, rule?.flow_to], ["br0", "3", "5"]);
        assert.notEqual((await lanPing()).code, 0, "while migrated: the group rule still drops the LAN's ping");
      },
    });
    assert.deepEqual(await realms(lab, "10.62.0.0/16", "eth0"), [{ to: "5" }]);
    assert.deepEqual(await realms(lab, "10.63.0.0/16", "eth0"), [{ from: "3", to: "5" }]);
    assert.equal((await new IpReader(lab.runner).link("eth0"))?.group, "7");
  });
});

Deno.test("H6: a route with metrics (mtu) through the uplink is refused by plan with the reason, nothing changed", async () => {
  await withLab(async (lab) => {
    await setup(lab, [["ip", "route", "add", "10.64.0.0/16", "via", "198.51.100.1", "dev", "eth0", "mtu", "1400"]]);
    const before = await lab.snapshot();
    const r = await lab.nsrecipe(["plan", "full-migrate", "--name", "ns", "--address", "198.51.100.50/24"]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /cannot move and restore exactly: 10\.64\.0\.0\/16 \(route metrics mtu\)/);
    assert.deepEqual(await lab.snapshot(), before);
  });
});
