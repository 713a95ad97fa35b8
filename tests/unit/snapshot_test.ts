import assert from "node:assert/strict";
import { recordingRunner } from "../../src/exec/mod.ts";
import { diffSnapshots, takeSnapshot } from "../../src/host/mod.ts";

function fakeHost(addrOrder: string[], metric = 100) {
  return recordingRunner((argv) => {
    const a = argv.join(" ");
    if (a.endsWith("link show")) {
      return {
        stdout: JSON.stringify([{
          ifindex: 7,
          ifname: "eth0",
          flags: ["UP", "LOWER_UP"],
          mtu: 1500,
          operstate: "UP",
          address: "02:00:00:00:10:10",
        }]),
      };
    }
    if (a.endsWith("addr show")) {
      return {
        stdout: JSON.stringify([{
          ifname: "eth0",
          addr_info: addrOrder.map((l) => ({ family: "inet", local: l, prefixlen: 24, scope: "global" })),
        }]),
      };
    }
    if (a.includes("-4 route")) {
      return { stdout: JSON.stringify([{ dst: "default", gateway: "198.51.100.1", dev: "eth0", metric, flags: [] }]) };
    }
    return { stdout: "[]" };
  }).run;
}

Deno.test("snapshots ignore ifindex and carrier but see a changed metric", async () => {
  const a = await takeSnapshot(fakeHost(["198.51.100.10"]));
  const b = await takeSnapshot(fakeHost(["198.51.100.10"], 200));
  assert.deepEqual(a.links[0], {
    name: "eth0",
    kind: "",
    mtu: 1500,
    mac: "02:00:00:00:10:10",
    master: "",
    flags: ["UP"],
  });
  assert.deepEqual(diffSnapshots(a, b), [
    "- route ipv4 table main default via 198.51.100.1 dev eth0 metric 100",
    "+ route ipv4 table main default via 198.51.100.1 dev eth0 metric 200",
  ]);
});

Deno.test("snapshots see the order of addresses (primary first)", async () => {
  const a = await takeSnapshot(fakeHost(["198.51.100.10", "198.51.100.11"]));
  const b = await takeSnapshot(fakeHost(["198.51.100.11", "198.51.100.10"]));
  assert.notDeepEqual(a, b);
  assert.deepEqual(diffSnapshots(a, b), [
    "~ address order: eth0 198.51.100.10,eth0 198.51.100.11 -> eth0 198.51.100.11,eth0 198.51.100.10",
  ]);
});

/** A host whose address flags, rules, neighbours and per-interface settings are given. */
function detailedHost(o: { nodad?: boolean; rulePref?: number; neigh?: boolean; arpIgnore?: string; nft?: string }) {
  return recordingRunner((argv) => {
    const a = argv.join(" ");
    if (a.endsWith("addr show")) {
      return {
        stdout: JSON.stringify([{
          ifname: "eth0",
          addr_info: [{
            family: "inet6",
            local: "2001:db8:1::20",
            prefixlen: 64,
            scope: "global",
            home: true,
            ...(o.nodad ? { nodad: true } : {}),
            valid_life_time: 4294967295,
            preferred_life_time: 4294967295,
          }],
        }]),
      };
    }
    if (a.includes("-4 rule show")) {
      return { stdout: JSON.stringify([{ priority: o.rulePref ?? 100, src: "all", iif: "eth0", table: "100" }]) };
    }
    if (a.includes("nud permanent")) {
      return {
        stdout: JSON.stringify(
          o.neigh ? [{ dst: "198.51.100.1", dev: "eth0", lladdr: "02:00:00:00:00:01", state: ["PERMANENT"] }] : [],
        ),
      };
    }
    if (argv[0] === "sysctl") {
      return {
        stdout: `net.ipv4.conf.eth0.arp_ignore = ${o.arpIgnore ?? "0"}\nnet.ipv4.conf.eth0.100.rp_filter = 2\n`,
      };
    }
    if (argv[0] === "nft") return { stdout: o.nft ?? "" };
    return { stdout: "[]" };
  }).run;
}

Deno.test("snapshots see address flags, policy rules, permanent neighbours, per-interface sysctls and the nftables ruleset", async () => {
  const base = await takeSnapshot(detailedHost({}));
  assert.deepEqual(base.addrs[0].flags, ["home"]);
  assert.equal(base.addrs[0].lifetimes, "forever/forever");
  assert.deepEqual(base.rules, ["ipv4 priority=100 src=all iif=eth0 table=100"]);
  assert.deepEqual(base.sysctls, ["net.ipv4.conf.eth0.100.rp_filter = 2", "net.ipv4.conf.eth0.arp_ignore = 0"]);
  const diff = async (o: Parameters<typeof detailedHost>[0]) =>
    diffSnapshots(base, await takeSnapshot(detailedHost(o)));
  assert.equal(
    (await diff({ nodad: true }))[1],
    `+ addr ${JSON.stringify({ ...base.addrs[0], flags: ["home", "nodad"] })}`,
  );
  assert.deepEqual(await diff({ rulePref: 200 }), [
    "- rule ipv4 priority=100 src=all iif=eth0 table=100",
    "+ rule ipv4 priority=200 src=all iif=eth0 table=100",
  ]);
  assert.deepEqual(await diff({ neigh: true }), ["+ neighbour eth0 198.51.100.1 lladdr 02:00:00:00:00:01 PERMANENT"]);
  assert.deepEqual(await diff({ arpIgnore: "1" }), [
    "- sysctl net.ipv4.conf.eth0.arp_ignore = 0",
    "+ sysctl net.ipv4.conf.eth0.arp_ignore = 1",
  ]);
  assert.deepEqual(await diff({ nft: "table inet t {\n}\n" }), ["+ nft table inet t {", "+ nft }"]);
});
