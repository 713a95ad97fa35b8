import assert from "node:assert/strict";
import { recordingRunner } from "../../src/exec/mod.ts";
import { CommandError } from "../../src/errors.ts";
import { memoRunner, readCache, SnapshotIpReader } from "../../src/host/mod.ts";

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
