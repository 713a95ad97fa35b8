/**
 * X8: a `bridge`-family chain on a hook the host's own frames pass once the
 * uplink is a bridge port (here ebtables-style `INPUT DROP`, ARP let through)
 * sees nothing while the uplink is a plain link and cuts the host off its LAN
 * once it is a port. Doctor names it, plan and run refuse it before any
 * change; with --force the run goes ahead (noting it) and the LAN indeed
 * loses the host, which undo gives back.
 */
import assert from "node:assert/strict";
import { snapshotDiff, withLab } from "../support/lab.ts";

/** The hostile tester's guard, and a rule scoped to another bridge's port (not the host's traffic: not reported). */
const RULESET = `
table bridge guard {
  chain in { type filter hook input priority 0; policy drop; ether type arp accept; }
  chain pre { type filter hook prerouting priority 0; iifname "vnet9" drop; }
}
`;

const CHAIN = /nft chain bridge guard in \(hook input\): policy drop/;
const RUN = ["full-migrate", "--name", "fm", "--address", "198.51.100.50/24", "--no-confirm"];

Deno.test("X8: a bridge input chain with policy drop is named by doctor, refused by plan and run (exit 3, nothing changed); with --force the LAN loses the host until undo", async () => {
  await withLab(async (lab) => {
    const loaded = await lab.sh(["nft", "-f", "-"], RULESET);
    assert.equal(loaded.code, 0, loaded.stderr);
    const ping = () => lab.sh(["ip", "netns", "exec", "lab-lanhost", "ping", "-c", "1", "-W", "2", "198.51.100.10"]);
    assert.equal((await ping()).code, 0, "the LAN reaches the host: the bridge chain sees nothing yet");
    const before = await lab.snapshot();
    const doctor = await lab.nsrecipe(["--json", "doctor"]);
    const found = (JSON.parse(doctor.stdout) as { findings: { id: string; verdict: string; summary: string }[] })
      .findings.find((f) => f.id === "uplink-refs");
    assert.equal(found?.verdict, "warn", doctor.stdout);
    assert.match(found?.summary ?? "", CHAIN);
    assert.doesNotMatch(found?.summary ?? "", /guard pre/);
    for (const cmd of ["plan", "run"]) {
      const r = await lab.nsrecipe([cmd, ...RUN], {});
      assert.equal(r.code, 3, `${cmd}: ${r.code} ${r.stderr}`);
      assert.match(r.stderr, /Bridge-family firewall chains .* once 'eth0' is a port of 'br0'/, cmd);
      assert.match(r.stderr, CHAIN, cmd);
      assert.doesNotMatch(r.stderr, /guard pre/, cmd);
      assert.match(r.stderr, /iifname "eth0" accept/, cmd);
      assert.match(r.stderr, /--force/, cmd);
      const after = await lab.snapshot();
      assert.deepEqual(after, before, snapshotDiff(before, after));
    }
    assert.equal((await ping()).code, 0, "refused: the host is still reachable from the LAN");

    const forced = await lab.nsrecipe(["run", ...RUN, "--force"]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout + forced.stderr, /Bridge-family firewall chains[^\n]*Going ahead \(--force\)/s);
    assert.notEqual(
      (await ping()).code,
      0,
      "once eth0 is a port of br0 the bridge input chain drops the host's traffic",
    );
    const undo = await lab.nsrecipe(["undo"]);
    assert.equal(undo.code, 0, undo.stderr);
    assert.equal((await ping()).code, 0, "undone: the LAN reaches the host again");
    const end = await lab.snapshot();
    assert.deepEqual(end, before, snapshotDiff(before, end));
  });
});
