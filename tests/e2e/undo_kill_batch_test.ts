/**
 * X12: `run veth-bridge` SIGKILLed inside its host-side batch (one `ip -batch`:
 * netns, veth, move, bridge, up, address, enslave, up), after an earlier run
 * of the same name was applied and undone in the same state directory. The
 * journal then holds the earlier run's identity of `veth-n1` (its ifindex,
 * long gone) and the killed run's intents without done records, so no
 * identity of the new `veth-n1`. Undo must take the port its own started
 * enslave step attached as its own (not "someone else attached" it, exit 5
 * for ever), and restore the host exactly; `status` must not call it drift.
 *
 * Kill points (the fault hook, `src/engine/faults.ts`): inside the batch
 * after the enslave line, before the veth is brought up (`in-batch:6`), and
 * after the whole batch ran, before its done records (`after-command:7`, the
 * point every step of the batch shares); with and without `--nat`. Earlier
 * points leave 'veth-n1' no port of 'br0' (the kill loops cover them).
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { withLab } from "../support/lab.ts";
import { assertExit, assertNoNetnsLeft, assertSameHost, fault, KILLED } from "../support/reliability.ts";

const POINTS = ["in-batch:6", "after-command:7"];

for (const nat of [false, true]) {
  Deno.test(`veth-bridge${nat ? " --nat" : ""} killed inside its host-side batch after an earlier run: undo restores`, () =>
    withLab(async (lab) => {
      const run = ["run", "veth-bridge", "--name", "n1", ...(nat ? ["--nat"] : [])];
      const clean = await lab.snapshot();
      // An earlier run of the same name, applied and undone: its identity of 'veth-n1' stays in the journal.
      assertExit(await lab.nsrecipe(run), EXIT.ok, "the earlier run");
      assertExit(await lab.nsrecipe(["undo", "n1"]), EXIT.ok, "the earlier run's undo");
      assertSameHost(await lab.snapshot(), clean, "after the earlier run's undo");
      for (const point of POINTS) {
        const what = `kill@${point}${nat ? " (--nat)" : ""}`;
        assertExit(await lab.nsrecipe(run, fault(`kill@${point}`)), KILLED, what);
        const port = await lab.sh(["ip", "-json", "link", "show", "dev", "veth-n1"]);
        assert.equal(JSON.parse(port.stdout)[0].master, "br0", `${what}: the batch enslaved 'veth-n1'`);
        const status = await lab.nsrecipe(["--json", "status"]);
        assertExit(status, EXIT.ok, `${what}, status`);
        const runs = JSON.parse(status.stdout).runs as { drift: string[] }[];
        assert.equal(runs.length, 1, `${what}: one open run`);
        assert.deepEqual(runs[0].drift, [], `${what}: the run's own port is no drift`);
        const undo = await lab.nsrecipe(["undo", "--all"]);
        assertExit(undo, EXIT.ok, `${what}, then undo`);
        assertSameHost(await lab.snapshot(), clean, `${what}, then undo`);
        await assertNoNetnsLeft(lab);
      }
    }));
}
