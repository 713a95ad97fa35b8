import assert from "node:assert/strict";
import { recordingRunner } from "../../src/exec/mod.ts";
import { readHostLists } from "../../src/host/host_lists.ts";

const ADDRS = [{ ifindex: 1, ifname: "lo", flags: ["UP"], mtu: 65536, operstate: "UNKNOWN", addr_info: [] }];
const LINKS = [{ ifindex: 1, ifname: "lo", flags: ["UP"], mtu: 65536, operstate: "UNKNOWN", linkinfo: {} }];
const R4 = [{ dst: "default", gateway: "198.51.100.1", dev: "eth0", flags: [] }];
const R6 = [{ dst: "fe80::/64", dev: "eth0", protocol: "kernel", metric: 256, flags: [], pref: "medium" }];
const PERM = [{ dst: "198.51.100.9", dev: "eth0", lladdr: "02:00:00:00:00:09", state: ["PERMANENT"] }];
const NOARP = [
  { dst: "198.51.100.8", dev: "eth0", lladdr: "02:00:00:00:00:08", state: ["NOARP"] },
  // The kernel's own: a multicast destination, not configuration.
  { dst: "ff02::1", dev: "eth0", lladdr: "33:33:00:00:00:01", state: ["NOARP"] },
];
const PROXY = [{ dst: "198.51.100.7", dev: "eth0", proxy: null }];
const RULES4 = [{ priority: 0, src: "all", table: "local", protocol: "kernel" }];
const RULES6 = [{ priority: 0, src: "all", table: "local", protocol: "kernel" }];
const NETNS = [{ name: "web" }];
const lines = (...lists: unknown[]) => lists.map((l) => JSON.stringify(l)).join("\n") + "\n";

Deno.test("readHostLists: one ip -batch and the IPv6 rules give every list, as the separate reads would (routes without their -details fields)", async () => {
  // Read with -details, a route carries fields the separate read does not print (withoutRouteDetails drops them).
  const detailed4 = R4.map((r) => ({ ...r, type: "unicast", table: "main" }));
  const { run, calls } = recordingRunner((argv) => {
    const a = argv.join(" ");
    if (a === "ip -json -details -batch -") {
      return { stdout: lines(LINKS, RULES4, ADDRS, detailed4, R6, PERM, NOARP, PROXY, NETNS) };
    }
    if (a === "ip -json -details -6 rule show") return { stdout: JSON.stringify(RULES6) };
    return { code: 1, stderr: "unexpected" };
  });
  const l = await readHostLists(run);
  assert.deepEqual(l, {
    addrs: ADDRS,
    routes4: R4,
    routes6: R6,
    neighbours: [PERM[0], NOARP[0], PROXY[0]],
    netns: NETNS,
    links: LINKS,
    rules4: RULES4,
    rules6: RULES6,
  });
  assert.deepEqual(calls.map((c) => [c.argv.join(" "), c.opts.stdin]).sort(), [
    ["ip -json -details -6 rule show", undefined],
    [
      "ip -json -details -batch -",
      "link show\nrule show\naddr show\nroute show table all root 0.0.0.0/0\nroute show table all root ::/0\n" +
      "neigh show nud permanent\nneigh show nud noarp\nneigh show proxy\nnetns list\n",
    ],
  ]);
});

Deno.test("readHostLists: no /run/netns (netns list prints nothing) is no namespace", async () => {
  const { run } = recordingRunner((argv) => {
    const a = argv.join(" ");
    if (a === "ip -json -details -batch -") return { stdout: lines(LINKS, RULES4, ADDRS, R4, R6, PERM, NOARP, PROXY) };
    return { stdout: "[]" };
  });
  const l = await readHostLists(run);
  assert.deepEqual(l.netns, []);
  assert.deepEqual(l.routes6, R6);
});

Deno.test("readHostLists: a batch that fails, or prints another number of lists, is read one process per list", async () => {
  for (const answer of [{ code: 1, stderr: "Command failed -:2" }, { stdout: lines(LINKS, RULES4) }]) {
    const { run, calls } = recordingRunner((argv) => {
      const a = argv.join(" ");
      if (a === "ip -json -details -batch -") return answer;
      if (a === "ip -json addr show") return { stdout: JSON.stringify(ADDRS) };
      if (a === "ip -json -4 route show table all") return { stdout: JSON.stringify(R4) };
      if (a === "ip -json -6 route show table all") return { stdout: JSON.stringify(R6) };
      if (a === "ip -json neigh show nud permanent") return { stdout: JSON.stringify(PERM) };
      if (a === "ip -json neigh show nud noarp") return { stdout: JSON.stringify(NOARP) };
      if (a === "ip -json neigh show proxy") return { stdout: JSON.stringify(PROXY) };
      if (a === "ip -json netns list") return { stdout: JSON.stringify(NETNS) };
      if (a === "ip -json -details link show") return { stdout: JSON.stringify(LINKS) };
      if (a === "ip -json -details -4 rule show") return { stdout: JSON.stringify(RULES4) };
      if (a === "ip -json -details -6 rule show") return { stdout: JSON.stringify(RULES6) };
      return { code: 1, stderr: "unexpected" };
    });
    const l = await readHostLists(run);
    assert.deepEqual(l.neighbours, [PERM[0], NOARP[0], PROXY[0]]);
    assert.deepEqual([l.addrs, l.routes4, l.routes6, l.netns, l.links, l.rules4, l.rules6], [
      ADDRS,
      R4,
      R6,
      NETNS,
      LINKS,
      RULES4,
      RULES6,
    ]);
    assert.equal(calls.length, 2 + 9);
  }
});
