import assert from "node:assert/strict";
import { recordingRunner } from "../../src/exec/mod.ts";
import { CommandError } from "../../src/errors.ts";
import { IpReader, memoRunner, readCache, SnapshotIpReader } from "../../src/host/mod.ts";

const WEB = JSON.stringify([
  { ifindex: 1, ifname: "lo", flags: ["LOOPBACK", "UP"], mtu: 65536, operstate: "UNKNOWN", addr_info: [] },
  {
    ifindex: 2,
    ifname: "eth0",
    flags: ["UP", "LOWER_UP"],
    mtu: 1500,
    operstate: "UP",
    addr_info: [{ family: "inet", local: "10.200.0.2", prefixlen: 24, scope: "global" }],
  },
]);

Deno.test("memoRunner runs each distinct command once, and checks each caller's exit codes against the one result", async () => {
  const { run, calls } = recordingRunner((argv) => argv[0] === "test" ? { code: 1 } : { stdout: "x" });
  const memo = memoRunner(run);
  await Promise.all([memo(["ip", "-json", "netns", "list"]), memo(["ip", "-json", "netns", "list"])]);
  await memo(["ip", "-json", "netns", "list"], { okCodes: [0, 1] });
  await memo(["cat", "/proc/self/mountinfo"]);
  assert.equal((await memo(["test", "-d", "/sys/module/veth"], { okCodes: [0, 1] })).code, 1);
  await assert.rejects(() => memo(["test", "-d", "/sys/module/veth"]), CommandError);
  assert.deepEqual(calls.map((c) => c.argv.join(" ")), [
    "ip -json netns list",
    "cat /proc/self/mountinfo",
    "test -d /sys/module/veth",
  ]);
});

Deno.test("SnapshotIpReader answers every link and address question of a namespace from one read of it", async () => {
  const { run, calls } = recordingRunner((argv) => {
    const a = argv.join(" ");
    if (a === "ip -n web -json -details addr show") return { stdout: WEB };
    if (a === "ip -n gone -json -details addr show") return { code: 1, stderr: 'Cannot open network namespace "gone"' };
    return { stdout: "[]" };
  });
  const ip = new SnapshotIpReader(run);
  assert.deepEqual((await ip.link("eth0", "web"))?.flags, ["UP", "LOWER_UP"]);
  assert.equal((await ip.link("lo", "web"))?.mtu, 65536);
  assert.equal(await ip.link("eth1", "web"), undefined);
  assert.deepEqual((await ip.addrs("web", "eth0")).map((l) => l.addr_info.map((a) => a.local)), [["10.200.0.2"]]);
  assert.deepEqual((await ip.links("web")).map((l) => l.ifname), ["lo", "eth0"]);
  assert.equal(await ip.link("eth0", "gone"), undefined, "a missing namespace has no links");
  assert.deepEqual(await ip.addrs("gone", "eth0"), []);
  assert.deepEqual(calls.map((c) => c.argv.join(" ")), [
    "ip -n web -json -details addr show",
    "ip -n gone -json -details addr show",
  ]);
});

Deno.test("readCache: fresh always runs (a poll sees changes); cached answers from the last result kept, by either side", async () => {
  let carrier = false;
  const { run, calls } = recordingRunner(() => ({ stdout: carrier ? "LOWER_UP" : "NO-CARRIER" }));
  const { fresh, cached } = readCache(run);
  const argv = ["ip", "-json", "-details", "link", "show", "dev", "veth-web"];
  assert.equal((await fresh(argv)).stdout, "NO-CARRIER");
  carrier = true;
  assert.equal((await fresh(argv)).stdout, "LOWER_UP");
  assert.equal((await cached(argv)).stdout, "LOWER_UP", "the poll's last result");
  assert.equal((await cached(["ip", "-json", "netns", "list"])).stdout, "LOWER_UP");
  await cached(["ip", "-json", "netns", "list"]);
  assert.equal(calls.length, 3);
});

const WEB_ROUTES4_DETAILED = JSON.stringify([
  {
    type: "unicast",
    dst: "default",
    gateway: "10.200.0.1",
    dev: "eth0",
    table: "main",
    protocol: "boot",
    scope: "global",
    flags: [],
  },
  {
    type: "unicast",
    dst: "10.200.0.0/24",
    dev: "eth0",
    table: "main",
    protocol: "kernel",
    scope: "link",
    prefsrc: "10.200.0.2",
    flags: [],
  },
  {
    type: "local",
    dst: "10.200.0.2",
    dev: "eth0",
    table: "local",
    protocol: "kernel",
    scope: "host",
    prefsrc: "10.200.0.2",
    flags: [],
  },
]);
const WEB_ROUTES6_DETAILED = JSON.stringify([
  {
    type: "unicast",
    dst: "fe80::/64",
    dev: "eth0",
    table: "main",
    protocol: "kernel",
    scope: "global",
    metric: 256,
    flags: [],
    pref: "medium",
  },
]);

const WEB_PERMANENT = JSON.stringify([
  { dst: "10.200.0.9", dev: "eth0", lladdr: "02:00:00:00:00:09", state: ["PERMANENT"] },
]);
const WEB_NOARP = JSON.stringify([
  { dst: "10.200.0.8", dev: "eth0", lladdr: "02:00:00:00:00:08", state: ["NOARP"] },
  { dst: "ff02::1", dev: "eth0", lladdr: "33:33:00:00:00:01", state: ["NOARP"] },
]);
const WEB_PROXY = JSON.stringify([{ dst: "10.200.0.7", dev: "lo", proxy: null }]);

Deno.test("SnapshotIpReader.prefetch: one 'ip -batch' per namespace answers its links, addresses, routes of both families and static neighbour entries, as the separate reads would", async () => {
  const { run, calls } = recordingRunner((argv) => {
    if (argv.includes("-batch")) {
      return {
        stdout: [WEB, WEB_ROUTES4_DETAILED, WEB_ROUTES6_DETAILED, WEB_PERMANENT, WEB_NOARP, WEB_PROXY].join("\n") +
          "\n",
      };
    }
    return { code: 1, stderr: "unexpected" };
  });
  const ip = new SnapshotIpReader(run);
  await ip.prefetch("web");
  assert.deepEqual((await ip.link("eth0", "web"))?.flags, ["UP", "LOWER_UP"]);
  assert.deepEqual((await ip.addrs("web", "eth0"))[0].addr_info.map((a) => a.local), ["10.200.0.2"]);
  assert.deepEqual(await ip.routes(4, "web"), [
    { dst: "default", gateway: "10.200.0.1", dev: "eth0", flags: [] },
    { dst: "10.200.0.0/24", dev: "eth0", protocol: "kernel", scope: "link", prefsrc: "10.200.0.2", flags: [] },
    {
      type: "local",
      dst: "10.200.0.2",
      dev: "eth0",
      table: "local",
      protocol: "kernel",
      scope: "host",
      prefsrc: "10.200.0.2",
      flags: [],
    },
  ]);
  assert.deepEqual(await ip.routes(6, "web"), [
    { dst: "fe80::/64", dev: "eth0", protocol: "kernel", metric: 256, flags: [], pref: "medium" },
  ]);
  // The kernel's own NOARP entry (a multicast destination) is not configuration: left out, as by staticNeighbours.
  assert.deepEqual((await ip.staticNeighbours("web")).map((n) => n.dst), ["10.200.0.9", "10.200.0.8", "10.200.0.7"]);
  assert.deepEqual((await ip.staticNeighbours("web", "eth0")).map((n) => n.dst), ["10.200.0.9", "10.200.0.8"]);
  assert.deepEqual(await ip.staticNeighbours("web", "nosuch"), []);
  assert.deepEqual(calls.map((c) => [c.argv.join(" "), c.opts?.stdin]), [[
    "ip -n web -json -details -batch -",
    "addr show\nroute show table all root 0.0.0.0/0\nroute show table all root ::/0\n" +
    "neigh show nud permanent\nneigh show nud noarp\nneigh show proxy\n",
  ]]);
});

Deno.test("SnapshotIpReader.prefetch of a namespace that cannot be read keeps nothing: each question then reads on its own", async () => {
  const { run, calls } = recordingRunner((argv) => {
    if (argv.includes("-batch")) return { code: 255, stderr: 'Cannot open network namespace "gone"' };
    return { code: 1, stderr: 'Cannot open network namespace "gone"' };
  });
  const ip = new SnapshotIpReader(run);
  await ip.prefetch("gone");
  assert.equal(await ip.link("eth0", "gone"), undefined);
  await assert.rejects(() => ip.routes(4, "gone"), CommandError);
  assert.deepEqual(calls.map((c) => c.argv.join(" ")), [
    "ip -n gone -json -details -batch -",
    "ip -n gone -json -details addr show",
    "ip -n gone -json -4 route show table all",
  ]);
});

Deno.test("SnapshotIpReader.batchReads: a batch's whole look at its netns answers as prefetch would; prefetch then reads nothing", async () => {
  const { run, calls } = recordingRunner(() => ({ code: 1, stderr: "unexpected" }));
  const ip = new SnapshotIpReader(run);
  const reads = ip.batchReads("web");
  reads.accept([WEB, WEB_ROUTES4_DETAILED, WEB_ROUTES6_DETAILED, WEB_PERMANENT, WEB_NOARP, WEB_PROXY]);
  await ip.prefetch("web");
  assert.deepEqual((await ip.addrs("web", "eth0"))[0].addr_info.map((a) => a.local), ["10.200.0.2"]);
  assert.deepEqual((await ip.routes(4, "web")).map((r) => r.dst), ["default", "10.200.0.0/24", "10.200.0.2"]);
  assert.deepEqual((await ip.staticNeighbours("web")).map((n) => n.dst), ["10.200.0.9", "10.200.0.8", "10.200.0.7"]);
  assert.equal(calls.length, 0);
  // Fewer answers than lines (the batch stopped early): nothing kept, the questions read on their own.
  const part = new SnapshotIpReader(run);
  part.batchReads("web").accept([WEB]);
  await assert.rejects(() => part.routes(4, "web"), /unexpected/);
});

/** Routes of both families through br0, eth0 and a multipath pair (IPv4 main and local tables, IPv6). */
const ROUTES4 = [
  { dst: "default", gateway: "10.200.0.1", dev: "eth0", protocol: "static", flags: [] },
  { dst: "10.200.0.0/24", dev: "br0", protocol: "kernel", scope: "link", flags: [] },
  { dst: "192.0.2.0/24", nexthops: [{ gateway: "10.200.0.5", dev: "br0" }, { gateway: "10.9.0.1", dev: "eth1" }] },
  { dst: "198.51.100.0/24", dev: "br0", table: "100", flags: [] },
  { type: "local", dst: "10.200.0.1", dev: "br0", table: "local", protocol: "kernel", flags: [] },
];
const ROUTES6 = [
  { dst: "fe80::/64", dev: "br0", protocol: "kernel", flags: [] },
  { dst: "2001:db8::/64", dev: "eth0", flags: [] },
  { type: "multicast", dst: "ff00::/8", dev: "br0", table: "local", protocol: "kernel", flags: [] },
];

Deno.test("SnapshotIpReader.routesThrough: from a read ahead, the routes through a link (its dev or a next hop's), IPv4 first, in kernel order, as IpReader.routesThrough reads them; a later batch's routes answer after it", async () => {
  const lines = (v4: unknown[], v6: unknown[]) => [WEB, JSON.stringify(v4), JSON.stringify(v6), "[]", "[]", "[]"];
  const { run, calls } = recordingRunner((argv) => {
    const a = argv.join(" ");
    if (a === "ip -json -4 route show table all") return { stdout: JSON.stringify(ROUTES4) };
    if (a === "ip -json -6 route show table all") return { stdout: JSON.stringify(ROUTES6) };
    if (a.endsWith("-batch -")) return { stdout: lines(ROUTES4, ROUTES6).join("\n") + "\n" };
    return { code: 1, stderr: "unexpected" };
  });
  const live = new IpReader(run);
  const ip = new SnapshotIpReader(run);
  await ip.prefetch();
  const before = calls.length;
  const dsts = (rs: { dst?: string }[]) => rs.map((r) => r.dst);
  assert.deepEqual(dsts(await ip.routesThrough("br0")), [
    "10.200.0.0/24",
    "192.0.2.0/24",
    "198.51.100.0/24",
    "10.200.0.1",
    "fe80::/64",
    "ff00::/8",
  ]);
  assert.deepEqual(dsts(await ip.routesThrough("eth1")), ["192.0.2.0/24"]);
  assert.deepEqual(dsts(await ip.routesThrough("eth0")), ["default", "2001:db8::/64"]);
  assert.deepEqual(await ip.routesThrough("veth-none"), []);
  assert.equal(calls.length, before, "answered from the read ahead");
  for (const dev of ["br0", "eth0", "eth1", "lo"]) {
    assert.deepEqual(await ip.routesThrough(dev), await live.routesThrough(dev), dev);
  }
  // A copy: a caller's change does not reach the snapshot.
  (await ip.routesThrough("br0")).pop();
  assert.equal((await ip.routesThrough("br0")).length, 6);
  // A batch's reads replace the namespace's routes: answered from those.
  ip.batchReads().accept(lines([ROUTES4[0]], []));
  assert.deepEqual(dsts(await ip.routesThrough("eth0")), ["default"]);
  assert.deepEqual(await ip.routesThrough("br0"), []);
});
