import assert from "node:assert/strict";
import { CommandError } from "../../src/errors.ts";
import { realRunner, type Runner } from "../../src/exec/mod.ts";
import { DEFAULT_LAB } from "../../src/lab/defaults.ts";
import { runLabCommand } from "../../src/lab/lab.ts";
import { batchRuns, labBuildCommands } from "../../src/lab/spec.ts";

/** What `runLabCommand` throws, or `undefined`. */
async function thrown(f: () => Promise<void>): Promise<CommandError | undefined> {
  try {
    await f();
  } catch (e) {
    if (e instanceof CommandError) return e;
    throw e;
  }
  return undefined;
}

Deno.test("a lab batch whose line fails is told as that line's command, with iproute2's message", async () => {
  // The lab-lan batch of the default lab: its second line creates the bridge.
  const batch = labBuildCommands(DEFAULT_LAB).find((c) => c.argv.join(" ") === "ip -n lab-lan -batch -")!;
  assert.ok(batch.commands.length > 2);
  const run: Runner = (argv) =>
    Promise.reject(new CommandError(argv, 1, "Error: Unknown device type.\nCommand failed -:2"));
  const e = await thrown(() => runLabCommand(batch, run));
  assert.deepEqual(e?.argv, ["ip", "-n", "lab-lan", "link", "add", "dev", "lanbr", "type", "bridge", "stp_state", "0"]);
  assert.equal(e?.stderr, "Error: Unknown device type.");
  assert.equal(e?.code, 1);
  assert.equal(
    e?.message,
    "Command 'ip -n lab-lan link add dev lanbr type bridge stp_state 0' failed (exit 1): Error: Unknown device type.",
  );
});

Deno.test("a real ip -batch's failed line is named (read-only commands of this host), a lone command as it is", async () => {
  const [batch] = batchRuns([["ip", "link", "show", "dev", "lo"], ["ip", "link", "show", "dev", "nsr-none-h4x"]]);
  assert.deepEqual(batch.argv, ["ip", "-batch", "-"]);
  const e = await thrown(() => runLabCommand(batch, realRunner()));
  assert.deepEqual(e?.argv, ["ip", "link", "show", "dev", "nsr-none-h4x"]);
  assert.equal(e?.stderr, 'Device "nsr-none-h4x" does not exist.');
  const [alone] = batchRuns([["ip", "link", "show", "dev", "nsr-none-h4x"]]);
  const e2 = await thrown(() => runLabCommand(alone, realRunner()));
  assert.deepEqual(e2?.argv, ["ip", "link", "show", "dev", "nsr-none-h4x"]);
  assert.equal(e2?.stderr, 'Device "nsr-none-h4x" does not exist.');
  assert.equal(
    await thrown(() => runLabCommand(batchRuns([["ip", "link", "show", "dev", "lo"]])[0], realRunner())),
    undefined,
  );
});
