/**
 * A namespace nsrecipe did not make, whose addresses cannot be read (`ip -n NS
 * addr show` fails: a timeout, a fork that failed, a security profile that
 * refuses it): `plan` and `run` of a recipe that picks or checks an address
 * must not take "no addresses" for an answer, or they would hand out an address
 * that namespace holds. They stop before any change (exit 3, precondition) and
 * name the read that failed, with iproute2's message. A namespace deleted between the listing and
 * its read still counts as holding nothing.
 *
 * The failure is made by a wrapper of `ip` first in PATH that refuses exactly
 * that read.
 *
 * @module
 */
import assert from "node:assert/strict";
import { selfArgv } from "../../src/lab/mod.ts";
import { snapshotDiff, type TestLab, withLab } from "../support/lab.ts";
import { assertExit } from "../support/reliability.ts";

const WRAPPER_DIR = "/run/failing-ip/bin";

/** The message the wrapper prints for the read it refuses, as iproute2 words a refused netns switch. */
const REFUSED = 'setting the network namespace "f1" failed: Operation not permitted';

/**
 * Puts an `ip` first in PATH that fails `ip -n f1 -json addr show` as iproute2 does when it cannot enter the
 * namespace, and runs every other `ip` command unchanged.
 * @returns The PATH that finds it first.
 */
async function failingIp(lab: TestLab): Promise<string> {
  const real = (await lab.sh(["which", "ip"])).stdout.trim();
  assert.ok(real.startsWith("/"), `ip in the lab: ${real}`);
  const script = `#!/bin/sh
if [ "$*" = "-n f1 -json addr show" ]; then echo '${REFUSED}' >&2; exit 1; fi
exec ${real} "$@"
`;
  const made = await lab.sh([
    "sh",
    "-c",
    `mkdir -p ${WRAPPER_DIR} && cat > ${WRAPPER_DIR}/ip && chmod 755 ${WRAPPER_DIR}/ip`,
  ], script);
  assertExit(made, 0, "wrapper");
  return `${WRAPPER_DIR}:${(await lab.sh(["sh", "-c", "echo $PATH"])).stdout.trim()}`;
}

Deno.test("a foreign namespace whose addresses cannot be read: plan and run of veth-bridge stop before any change (exit 3), naming the read and iproute2's message", async () => {
  await withLab(async (lab) => {
    for (
      const argv of [
        ["ip", "netns", "add", "f1"],
        ["ip", "-n", "f1", "link", "add", "d0", "type", "veth", "peer", "name", "d1"],
        ["ip", "-n", "f1", "addr", "add", "10.77.0.5/24", "dev", "d0"],
      ]
    ) assertExit(await lab.sh(argv), 0, argv.join(" "));
    const path = await failingIp(lab);
    const before = await lab.snapshot();
    const taken = ["veth-bridge", "--name", "w", "--subnet", "10.77.0.0/24", "--address", "10.77.0.5/24"];
    const free = ["veth-bridge", "--name", "w", "--subnet", "10.77.0.0/24"];
    for (const args of [["plan", ...taken], ["plan", ...free], ["run", ...free, "--", "true"]]) {
      const r = await lab.sh(["env", `PATH=${path}`, ...selfArgv(), ...args]);
      assertExit(r, 3, args.join(" "));
      assert.ok(
        r.stderr.includes(
          `nsrecipe: Cannot read the addresses of network namespace 'f1', so no address can be checked free: ` +
            `Command 'ip -n f1 -json addr show' failed (exit 1): ${REFUSED}\n` +
            `  Check 'ip -n f1 addr show' as root; if 'f1' is no longer used, delete it ('ip netns del f1').`,
        ),
        JSON.stringify(r.stderr),
      );
    }
    assert.equal(snapshotDiff(before, await lab.snapshot()), "");
    assert.equal(await lab.readFile("/run/nsrecipe/journal.jsonl"), undefined, "no run was begun");
    // The same host through the real ip: the address the namespace holds is refused as taken.
    const r = await lab.nsrecipe(["plan", ...taken]);
    assertExit(r, 3, "plan with the real ip");
    assert.match(r.stderr, /--address 10\.77\.0\.5 is already in use: network namespace 'f1' holds it/);
    assertExit(await lab.sh(["ip", "netns", "del", "f1"]), 0, "netns del");
  });
});
