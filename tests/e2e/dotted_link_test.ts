/**
 * X3/X4: links whose names hold dots (VLAN-style `eth0.100`, `bond0.10`):
 * their per-interface settings are read and written through their own
 * `/proc/sys` directory, never split at the dot. This kernel has no 8021q
 * module, so renamed veths and a renamed lab uplink stand in for VLANs.
 * @module
 */
import assert from "node:assert/strict";
import { type TestLab, withLab } from "../support/lab.ts";
import { migrateAndUndo, setup } from "../support/migrate.ts";

/** Every `net.ipv4.conf.*.forwarding` of the lab host, as `{ dev: value }` (sysctl prints a link's dots as `/`). */
async function forwarding(lab: TestLab): Promise<Record<string, string>> {
  const r = await lab.sh(["sysctl", "-a", "-r", "^net\\.ipv4\\.conf\\..*\\.forwarding$"]);
  assert.equal(r.code, 0, r.stderr);
  return Object.fromEntries(
    r.stdout.trim().split("\n").map((l) => {
      const m = /^net\.ipv4\.conf\.(.+)\.forwarding = (\d)$/.exec(l);
      assert.ok(m, l);
      return [m[1].replaceAll("/", "."), m[2]];
    }),
  );
}

Deno.test("X4: veth-bridge --nat undo restores forwarding=1 on links named with dots (eth0.100, bond0.10.2), 0 kept on their peers", async () => {
  await withLab(async (lab) => {
    await setup(lab, [
      ["ip", "link", "add", "eth0.100", "type", "veth", "peer", "name", "v.2"],
      ["ip", "link", "add", "bond0.10.2", "type", "veth", "peer", "name", "b.0"],
      ["sysctl", "-q", "-w", "net/ipv4/conf/eth0.100/forwarding=1", "net/ipv4/conf/bond0.10.2/forwarding=1"],
    ]);
    const before = await forwarding(lab);
    assert.deepEqual(before, {
      all: "0",
      "b.0": "0",
      "bond0.10.2": "1",
      default: "0",
      eth0: "0",
      "eth0.100": "1",
      lo: "0",
      "v.2": "0",
    });
    const snap = await lab.snapshot();
    const r = await lab.nsrecipe(["--verbose", "run", "veth-bridge", "--name", "n", "--nat"]);
    assert.equal(r.code, 0, r.stderr);
    for (const l of r.stderr.split("\n").filter((l) => l.startsWith("$ sysctl "))) {
      assert.match(l, /\(exit 0, /, `no sysctl fails: ${l}`);
    }
    assert.equal((await lab.sh(["sysctl", "-n", "net.ipv4.ip_forward"])).stdout.trim(), "1");
    const u = await lab.nsrecipe(["undo"]);
    assert.equal(u.code, 0, u.stderr);
    assert.deepEqual(await forwarding(lab), before);
    assert.deepEqual(await lab.snapshot(), snap);
  });
});

/** Settings of a dotted uplink that differ from the defaults. */
const SETTINGS: [string, string, string][] = [
  ["net/ipv4/conf", "arp_ignore", "1"],
  ["net/ipv4/conf", "rp_filter", "2"],
  ["net/ipv6/conf", "accept_ra", "0"],
  ["net/ipv4/neigh", "base_reachable_time_ms", "60000"],
];

Deno.test("X3: full-migrate of an uplink named with dots (en.1) onto a bridge named with dots (br.0) carries its settings; undo restores all", async () => {
  await withLab(async (lab) => {
    await setup(lab, [["sysctl", "-q", "-w", ...SETTINGS.map(([t, n, v]) => `${t}/en.1/${n}=${v}`)]]);
    const plan = await lab.nsrecipe([
      "plan",
      "full-migrate",
      "--name",
      "ns",
      "--bridge",
      "br.0",
      "--address",
      "198.51.100.50/24",
    ]);
    assert.equal(plan.code, 0, plan.stderr);
    for (const [t, n, v] of SETTINGS) {
      assert.match(plan.stdout, new RegExp(`sysctl -q -w ${t}/br\\.0/${n}=${v}\\n`), `${n} is carried`);
    }
    assert.match(plan.stdout, /set net\.ipv4\.conf\.br\/0\.arp_ignore = 1\n/);
    await migrateAndUndo(lab, {
      extra: ["--bridge", "br.0"],
      during: async () => {
        const r = await lab.sh(["sysctl", "-n", ...SETTINGS.map(([t, n]) => `${t}/br.0/${n}`)]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(r.stdout.trim().split("\n"), SETTINGS.map(([, , v]) => v));
      },
    });
  }, { uplink: "en.1" });
});
