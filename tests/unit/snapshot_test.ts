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
