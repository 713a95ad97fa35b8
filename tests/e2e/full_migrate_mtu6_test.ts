/**
 * Hostile finding F3: the uplink's IPv6 MTU (`net.ipv6.conf.eth0.mtu`, e.g.
 * lowered for a LAN whose IPv6 path needs it) is carried to br0 and stays
 * there: the kernel resets it when the bridge comes up or its MTU changes, so
 * it is written once the last port has joined. `status` shows no drift and
 * undo restores the host exactly.
 */
import assert from "node:assert/strict";
import { type TestLab, withLab } from "../support/lab.ts";
import { migrateAndUndo, setup } from "../support/migrate.ts";

/** `sysctl -n KEY` in the lab. */
async function sysctl(lab: TestLab, key: string): Promise<string> {
  const r = await lab.sh(["sysctl", "-n", key]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

/** Sets the uplink's IPv6 MTU, migrates, and checks br0 holds it while applied, with no drift. */
async function carriesMtu6(lab: TestLab, mtu6: string): Promise<void> {
  await setup(lab, [["sysctl", "-q", "-w", `net.ipv6.conf.eth0.mtu=${mtu6}`, "net.ipv6.conf.eth0.hop_limit=40"]]);
  const plan = await lab.nsrecipe(["--json", "plan", "full-migrate", "--name", "ns", "--address", "198.51.100.50/24"]);
  assert.equal(plan.code, 0, plan.stderr);
  const steps = (JSON.parse(plan.stdout) as { steps: { step: { kind: string; name?: string } }[] }).steps;
  assert.equal(steps.at(-1)?.step.name, "mtu", "the IPv6 MTU is the last step, after the last port joined");
  await migrateAndUndo(lab, {
    during: async () => {
      assert.equal(await sysctl(lab, "net.ipv6.conf.br0.mtu"), mtu6);
      assert.equal(await sysctl(lab, "net.ipv6.conf.br0.hop_limit"), "40");
      const status = await lab.nsrecipe(["status", "ns"]);
      assert.equal(status.code, 0, status.stderr);
      assert.doesNotMatch(status.stdout, /drift/i, status.stdout);
    },
  });
  assert.equal(await sysctl(lab, "net.ipv6.conf.eth0.mtu"), mtu6);
}

Deno.test("F3: an uplink IPv6 MTU of 1400 on a 1500 link is carried to br0 and kept while applied", async () => {
  await withLab((lab) => carriesMtu6(lab, "1400"));
});

Deno.test("F3: a jumbo-frame uplink (MTU 9000) whose IPv6 MTU is 1500 keeps it on br0", async () => {
  await withLab((lab) => carriesMtu6(lab, "1500"), { mtu: 9000 });
});

Deno.test("F3: the minimum IPv6 MTU (1280) is carried too", async () => {
  await withLab((lab) => carriesMtu6(lab, "1280"));
});
