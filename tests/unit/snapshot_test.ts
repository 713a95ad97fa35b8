import assert from "node:assert/strict";
import { recordingRunner } from "../../src/exec/mod.ts";
import { diffSnapshots, takeSnapshot } from "../../src/host/mod.ts";

/**
 * A fake host whose answers come from `answer` (the command line joined with spaces, and the argv);
 * `ip -json -details -batch -` answers its six lines as `ip` does, one JSON array per line: what
 * `addr show` answers, then the routes of `root 0.0.0.0/0` and of `root ::/0`, as `-4 route` and
 * `-6 route` answer, then the permanent, noarp and proxy neighbour entries.
 */
function fakeIp(answer: (a: string, argv: readonly string[]) => string) {
  return recordingRunner((argv) => {
    if (argv.includes("-batch")) {
      return {
        stdout: [
          answer("ip -json addr show", argv),
          answer("ip -4 route", argv),
          answer("ip -6 route", argv),
          answer("ip -json neigh show nud permanent", argv),
          answer("ip -json neigh show nud noarp", argv),
          answer("ip -json neigh show proxy", argv),
        ].join("\n"),
      };
    }
    return { stdout: answer(argv.join(" "), argv) };
  });
}

function fakeHost(addrOrder: string[], metric = 100, group = "default", flow?: { from?: string; to?: string }) {
  return fakeIp((a) => {
    if (a.endsWith("addr show")) {
      // `ip -details addr show`: every link with its details and its addresses (ip-address(8)).
      return JSON.stringify([{
        ifindex: 7,
        ifname: "eth0",
        flags: ["UP", "LOWER_UP"],
        mtu: 1500,
        operstate: "UP",
        group,
        address: "02:00:00:00:10:10",
        addr_info: addrOrder.map((l) => ({ family: "inet", local: l, prefixlen: 24, scope: "global" })),
      }]);
    }
    if (a.includes("-4 route")) {
      return JSON.stringify([
        { dst: "default", gateway: "198.51.100.1", dev: "eth0", metric, flags: [] },
        { dst: "10.62.0.0/16", gateway: "198.51.100.1", dev: "eth0", flags: [], ...(flow ? { flow } : {}) },
      ]);
    }
    return "[]";
  }).run;
}

Deno.test("a snapshot reads links, addresses, routes and static neighbours in one 'ip -batch', and one by one when the batch fails", async () => {
  const batched = fakeIp((a) =>
    a.endsWith("addr show") ? JSON.stringify([{ ifname: "eth0", flags: [], mtu: 1500, addr_info: [] }]) : "[]"
  );
  const a = await takeSnapshot(batched.run);
  const reads = batched.calls.map((c) => c.argv.join(" "));
  assert.ok(reads.includes("ip -json -details -batch -"), reads.join("\n"));
  assert.deepEqual(reads.filter((r) => /(link|addr|route|neigh) show/.test(r)), []);
  const failing = recordingRunner((argv) =>
    argv.includes("-batch") ? { code: 1, stderr: "Error: ..." } : {
      stdout: argv.join(" ").endsWith("addr show")
        ? JSON.stringify([{ ifname: "eth0", flags: [], mtu: 1500, addr_info: [] }])
        : "[]",
    }
  );
  assert.deepEqual(await takeSnapshot(failing.run), a);
  assert.deepEqual(
    failing.calls.map((c) => c.argv.join(" ")).filter((r) => /(link|addr|route|neigh) show/.test(r)).sort(),
    [
      "ip -json -4 route show table all",
      "ip -json -6 route show table all",
      "ip -json -details addr show",
      "ip -json neigh show nud noarp",
      "ip -json neigh show nud permanent",
      "ip -json neigh show proxy",
    ],
  );
});

Deno.test("snapshots ignore ifindex and carrier but see a changed metric", async () => {
  const a = await takeSnapshot(fakeHost(["198.51.100.10"]));
  const b = await takeSnapshot(fakeHost(["198.51.100.10"], 200));
  assert.deepEqual(a.links[0], {
    name: "eth0",
    kind: "",
    mtu: 1500,
    mac: "02:00:00:00:10:10",
    master: "",
    group: "default",
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
  return fakeIp((a, argv) => {
    if (a.endsWith("addr show")) {
      return JSON.stringify([{
        ifname: "eth0",
        flags: ["UP"],
        mtu: 1500,
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
      }]);
    }
    if (a.includes("-4 rule show")) {
      return JSON.stringify([{ priority: o.rulePref ?? 100, src: "all", iif: "eth0", table: "100" }]);
    }
    if (a.includes("nud permanent")) {
      return JSON.stringify(
        o.neigh ? [{ dst: "198.51.100.1", dev: "eth0", lladdr: "02:00:00:00:00:01", state: ["PERMANENT"] }] : [],
      );
    }
    if (argv[0] === "sysctl") {
      return `net.ipv4.conf.eth0.arp_ignore = ${o.arpIgnore ?? "0"}\nnet.ipv4.conf.eth0/100.rp_filter = 2\n`;
    }
    if (argv[0] === "nft") return o.nft ?? "";
    return "[]";
  }).run;
}

Deno.test("snapshots see address flags, policy rules, permanent neighbours, per-interface sysctls and the nftables ruleset", async () => {
  const base = await takeSnapshot(detailedHost({}));
  assert.deepEqual(base.addrs[0].flags, ["home"]);
  assert.equal(base.addrs[0].lifetimes, "forever/forever");
  assert.deepEqual(base.rules, ["ipv4 priority=100 src=all iif=eth0 table=100"]);
  // sysctl(8) prints link eth0.100 as eth0/100; the snapshot keeps that key (its dots are separators).
  assert.deepEqual(base.sysctls, ["net.ipv4.conf.eth0.arp_ignore = 0", "net.ipv4.conf.eth0/100.rp_filter = 2"]);
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

Deno.test("snapshots see a route's realms and the link group (H6, H7)", async () => {
  const plain = await takeSnapshot(fakeHost(["198.51.100.10"]));
  const realm = await takeSnapshot(fakeHost(["198.51.100.10"], 100, "default", { to: "5" }));
  const realms = await takeSnapshot(fakeHost(["198.51.100.10"], 100, "default", { from: "3", to: "5" }));
  assert.deepEqual(diffSnapshots(realm, plain), [
    "- route ipv4 table main 10.62.0.0/16 via 198.51.100.1 dev eth0 realm -/5",
    "+ route ipv4 table main 10.62.0.0/16 via 198.51.100.1 dev eth0",
  ]);
  assert.deepEqual(diffSnapshots(realm, realms), [
    "- route ipv4 table main 10.62.0.0/16 via 198.51.100.1 dev eth0 realm -/5",
    "+ route ipv4 table main 10.62.0.0/16 via 198.51.100.1 dev eth0 realm 3/5",
  ]);
  const grouped = await takeSnapshot(fakeHost(["198.51.100.10"], 100, "7"));
  assert.equal(grouped.links[0].group, "7");
  assert.equal(diffSnapshots(plain, grouped).length, 2);
});
