/**
 * X2: an uplink carrying a macvlan or macvtap (whose `link` is the uplink)
 * cannot become a bridge port: the upper device holds its rx_handler, and
 * `ip link set … master` would fail with `Device or resource busy` at step 9.
 * doctor names them (one shared fact with the planner), plan and run refuse
 * before any change (exit 3), the host unchanged.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { withLab } from "../support/lab.ts";
import { assertExit, assertSameHost } from "../support/reliability.ts";

const MIGRATE = ["full-migrate", "--name", "fm", "--address", "198.51.100.50/24"];

Deno.test("X2: a macvlan and a macvtap on the uplink: doctor names them, plan and run refuse before any change (exit 3)", async () => {
  await withLab(async (lab) => {
    for (
      const cmd of [
        ["ip", "link", "add", "mv0", "link", "eth0", "type", "macvlan", "mode", "bridge"],
        ["ip", "addr", "add", "198.51.100.30/24", "dev", "mv0"],
        ["ip", "link", "set", "mv0", "up"],
        ["ip", "link", "add", "tap7", "link", "eth0", "type", "macvtap"],
      ]
    ) {
      const r = await lab.sh(cmd);
      assert.equal(r.code, 0, `${cmd.join(" ")}: ${r.stderr}`);
    }
    const before = await lab.snapshot();
    const problem = "The uplink 'eth0' carries macvlan 'mv0', macvtap 'tap7': it cannot become a bridge port " +
      "while a macvlan, macvtap, ipvlan or ipvtap is stacked on it";
    const doctor = await lab.nsrecipe(["--json", "doctor"]);
    const found = (JSON.parse(doctor.stdout) as { findings: { id: string; verdict: string; summary: string }[] })
      .findings.find((f) => f.id === "uplink");
    assert.equal(found?.verdict, "warn", doctor.stdout);
    assert.ok(found?.summary.startsWith(problem), found?.summary);
    for (const cmd of ["plan", "run"]) {
      const r = await lab.nsrecipe([cmd, ...MIGRATE, ...(cmd === "run" ? ["--no-confirm"] : [])]);
      assertExit(r, EXIT.precondition, cmd);
      assert.ok(r.stderr.includes(problem), r.stderr);
      assert.match(
        r.stderr,
        /Remove them first \('ip link del mv0; ip link del tap7'\) and migrate, or use 'nsrecipe run veth-bridge --nat/,
      );
      assert.doesNotMatch(r.stderr, /Step \d+|ip netns pids/, cmd);
      assertSameHost(await lab.snapshot(), before, `a refused ${cmd}`);
    }
    for (const dev of ["mv0", "tap7"]) assert.equal((await lab.sh(["ip", "link", "del", dev])).code, 0, dev);
    const plan = await lab.nsrecipe(["plan", ...MIGRATE]);
    assertExit(plan, EXIT.ok, "plan once they are removed");
  });
});
