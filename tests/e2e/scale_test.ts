/**
 * Issue 8, scale: the cost of one command does not grow with the runs and
 * namespaces already on the host. Pinned by the processes a command starts
 * (`--verbose`), not by its time: the 4th run on one bridge starts the same
 * processes as the 2nd, and its undo the same as the 2nd's undo, so nothing
 * is read per run, per namespace or per link of the runs before.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type TestLab, withLab } from "../support/lab.ts";
import { assertExit } from "../support/reliability.ts";

/**
 * The distinct processes a `--verbose` command traced, each without its exit code and time, the
 * command's own names (`NAME`, `veth-NAME`), its veth peer's random name, MAC
 * and address made alike (`<self>`, `<peer>`, `<mac>`, `<address>`): what is
 * left names only what the command read or changed besides its own run. A set,
 * so that a read taken once more (a check looked at again, afresh) changes nothing.
 */
async function processesOf(lab: TestLab, args: string[], name: string): Promise<string[]> {
  const r = await lab.nsrecipe(["--verbose", ...args]);
  assertExit(r, 0, args.join(" "));
  const own = new RegExp(`\\b${name}\\b`, "g");
  const lines = r.stderr.split("\n").filter((l) => l.startsWith("$ ") || l.startsWith("  < ")).map((l) =>
    l.replace(/ {2}\(exit \d+, \d+ ms\)$/, "")
      .replace(own, "<self>")
      .replace(/\bp-[0-9a-f]{8}\b/g, "<peer>")
      .replace(/\b[0-9a-f]{2}(:[0-9a-f]{2}){5}\b/g, "<mac>")
      .replace(/\b10\.200\.0\.\d+\/24\b/g, "<address>")
  );
  assert.ok(lines.some((l) => l.includes("<self>")), `${args.join(" ")} traced nothing of its own:\n${r.stderr}`);
  // undo's looks for the veth's host end after the batch that deletes its netns: how many depends on when the kernel
  // destroys the netns (cleanup_net runs asynchronously), not on the runs before (step_processes_test pins their form).
  const afterBatch = /^\$ ip -json -details link show( dev veth-<self>)?$/;
  return [...new Set(lines.filter((l) => !afterBatch.test(l)))].sort();
}

Deno.test("scale: the 4th run on one bridge starts the same processes as the 2nd, and its undo the same as the 2nd's: nothing per run, namespace or link before it", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", "s1"]), 0, "run s1");
    const second = await processesOf(lab, ["run", "veth-bridge", "--name", "s2"], "s2");
    const secondUndo = await processesOf(lab, ["undo", "s2"], "s2");
    for (const n of ["s2", "s3"]) assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", n]), 0, `run ${n}`);
    const fourth = await processesOf(lab, ["run", "veth-bridge", "--name", "s4"], "s4");
    const fourthUndo = await processesOf(lab, ["undo", "s4"], "s4");
    assert.deepEqual(
      fourth,
      second,
      "run: the same processes and batch lines with three runs on the bridge as with one",
    );
    assert.deepEqual(fourthUndo, secondUndo, "undo: the same with two other runs left on the bridge as with none");
    assertExit(await lab.nsrecipe(["undo", "--all"]), 0, "undo --all");
    assert.deepEqual(await lab.snapshot(), before);
  });
});
