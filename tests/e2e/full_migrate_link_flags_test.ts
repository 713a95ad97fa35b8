/**
 * X10: the uplink's link flags `arp off` (NOARP) and `multicast off`, and its
 * alias, define how the host answers on the LAN and what monitoring calls
 * the interface: full-migrate creates the bridge with them (shown in plan),
 * so while migrated the host still answers no ARP; undo deletes the bridge
 * and the host is exactly as before.
 */
import assert from "node:assert/strict";
import { snapshotDiff, type TestLab, withLab } from "../support/lab.ts";

const RUN = ["full-migrate", "--name", "fm", "--address", "198.51.100.50/24"];

/** The MAC of a link in the lab's host, or of `eth0` in a lab namespace. */
async function mac(lab: TestLab, netns: string | undefined, dev: string): Promise<string> {
  const r = await lab.sh([...(netns ? ["ip", "-n", netns] : ["ip"]), "-j", "link", "show", "dev", dev]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { address: string }[])[0].address;
}

/** Whether the LAN host gets an ARP answer for the host's address. */
async function answersArp(lab: TestLab): Promise<boolean> {
  const r = await lab.sh([
    "ip",
    "netns",
    "exec",
    "lab-lanhost",
    "arping",
    "-c",
    "1",
    "-w",
    "2",
    "-I",
    "eth0",
    "198.51.100.10",
  ]);
  return /Received 1 response/.test(r.stdout);
}

/** The flags and alias of a link in the lab's host. */
async function link(lab: TestLab, dev: string): Promise<{ flags: string[]; ifalias?: string }> {
  const r = await lab.sh(["ip", "-j", "link", "show", "dev", dev]);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { flags: string[]; ifalias?: string }[])[0];
}

Deno.test("X10: an uplink with arp off, multicast off and an alias: the bridge is created with all three (plan says so), the host answers no ARP while migrated, undo restores the snapshot", async () => {
  await withLab(async (lab) => {
    const gw = await mac(lab, "lab-lan", "lanbr");
    const lanhost = await mac(lab, "lab-lanhost", "eth0");
    const host = await mac(lab, undefined, "eth0"); // br0 takes it
    // The gateway knows the host statically, as it must on a LAN where the host answers no ARP.
    const onGw = ["ip", "-n", "lab-lan", "neigh", "replace", "198.51.100.10", "lladdr", host, "dev", "lanbr"];
    for (
      const cmd of [
        ["ip", "link", "set", "dev", "eth0", "arp", "off", "multicast", "off", "alias", "uplink to rack 7"],
        ["ip", "neigh", "replace", "198.51.100.1", "lladdr", gw, "dev", "eth0", "nud", "permanent"],
        ["ip", "neigh", "replace", "198.51.100.20", "lladdr", lanhost, "dev", "eth0", "nud", "permanent"],
        [...onGw, "nud", "permanent"],
      ]
    ) {
      const r = await lab.sh(cmd);
      assert.equal(r.code, 0, `${cmd.join(" ")}: ${r.stderr}`);
    }
    assert.equal(await answersArp(lab), false, "arp off: the host answers no ARP");
    const ping = () => lab.sh(["ping", "-c", "1", "-W", "2", "198.51.100.1"]);
    assert.equal((await ping()).code, 0, "the host reaches its gateway through the static entry");
    const before = await lab.snapshot();

    const plan = await lab.nsrecipe(["plan", ...RUN, "--no-confirm"]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(
      plan.stdout,
      /create bridge 'br0' \(STP off, MAC [0-9a-f:]+, ARP off, multicast off, alias "uplink to rack 7"\)/,
    );
    assert.match(plan.stdout, /ip link add dev br0 .*arp off multicast off type bridge stp_state 0/);
    assert.match(plan.stdout, /ip link set dev br0 alias 'uplink to rack 7'/);

    const run = await lab.nsrecipe(["run", ...RUN, "--no-confirm"]);
    assert.equal(run.code, 0, run.stderr);
    const br = await link(lab, "br0");
    assert.ok(br.flags.includes("NOARP"), br.flags.join(","));
    assert.ok(!br.flags.includes("MULTICAST"), br.flags.join(","));
    assert.equal(br.ifalias, "uplink to rack 7");
    assert.equal(await answersArp(lab), false, "migrated: the host still answers no ARP");
    assert.equal((await ping()).code, 0, "migrated: the host reaches its gateway");

    const undo = await lab.nsrecipe(["undo"]);
    assert.equal(undo.code, 0, undo.stderr);
    const after = await lab.snapshot();
    assert.deepEqual(after, before, snapshotDiff(before, after));
    assert.equal((await link(lab, "eth0")).ifalias, "uplink to rack 7");
    assert.equal(await answersArp(lab), false, "undone: the host answers no ARP");
  });
});

Deno.test("X10: an uplink with ARP and multicast on and no alias gives a bridge with ARP and multicast on and no alias; it answers ARP while migrated", async () => {
  await withLab(async (lab) => {
    assert.equal(await answersArp(lab), true, "the host answers ARP");
    const run = await lab.nsrecipe(["run", ...RUN, "--no-confirm"]);
    assert.equal(run.code, 0, run.stderr);
    const br = await link(lab, "br0");
    assert.ok(!br.flags.includes("NOARP"), br.flags.join(","));
    assert.ok(br.flags.includes("MULTICAST"), br.flags.join(","));
    assert.equal(br.ifalias, undefined);
    assert.equal(await answersArp(lab), true, "migrated: the host answers ARP on br0");
    const undo = await lab.nsrecipe(["undo"]);
    assert.equal(undo.code, 0, undo.stderr);
  });
});
