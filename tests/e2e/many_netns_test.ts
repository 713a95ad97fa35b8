/**
 * A host with hundreds of network namespaces nsrecipe did not make: `plan`
 * and `run` read each one's addresses (one `ip -n NS addr show` each) without
 * running out of file descriptors, and still find an address one of them
 * holds. nsrecipe runs under `ulimit -n 256` here, as a small stand-in for the
 * common 1024 with a thousand namespaces (each process started holds pipes
 * until it ends).
 *
 * @module
 */
import assert from "node:assert/strict";
import { selfArgv } from "../../src/lab/mod.ts";
import { withLab } from "../support/lab.ts";
import { assertExit, assertNoNetnsLeft } from "../support/reliability.ts";

Deno.test("hundreds of foreign namespaces under ulimit -n 256: plan, run and doctor read them all, and refuse an address the last one holds", async () => {
  await withLab(async (lab) => {
    const names = Array.from({ length: 200 }, (_, i) => `f${i}`);
    const made = await lab.sh(["ip", "-batch", "-"], names.map((n) => `netns add ${n}\n`).join(""));
    assertExit(made, 0, "ip netns add ×200");
    for (
      const argv of [
        ["ip", "-n", "f199", "link", "add", "d0", "type", "veth", "peer", "name", "d1"],
        ["ip", "-n", "f199", "addr", "add", "10.77.0.5/24", "dev", "d0"],
      ]
    ) assertExit(await lab.sh(argv), 0, argv.join(" "));
    const limited = (args: string[]) =>
      lab.sh(["sh", "-c", 'ulimit -n 256 && exec "$@"', "sh", ...selfArgv(), ...args]);
    const taken = ["veth-bridge", "--name", "w", "--subnet", "10.77.0.0/24", "--address", "10.77.0.5/24"];
    for (const args of [["plan", ...taken], ["run", ...taken, "--", "true"]]) {
      const r = await limited(args);
      assertExit(r, 3, args.join(" "));
      assert.match(r.stderr, /--address 10\.77\.0\.5 is already in use: network namespace 'f199' holds it/);
    }
    const doctor = await limited(["doctor"]);
    assertExit(doctor, 0, "doctor");
    assert.doesNotMatch(doctor.stderr, /internal error/);
    assertExit(await lab.sh(["ip", "-batch", "-"], names.map((n) => `netns del ${n}\n`).join("")), 0, "netns del");
    await assertNoNetnsLeft(lab);
  });
});
