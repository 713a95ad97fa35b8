/**
 * The processes that apply, check and undo a recipe's steps, pinned (issue 8, "batched apply with the same
 * guarantees", "undo that deletes"): each `ip -batch` of changes reads what checks them in the same process, after
 * its lines; undo reads a netns's processes with its links and checks its deletions in their own batch. What runs
 * before the plan's first batch (preflight, the host's facts) is pinned in `probes_test.ts`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { withLab } from "../support/lab.ts";

/** One process of a `--verbose` trace: its argv and the lines it was given (an `ip -batch -`'s `  < LINE`). */
interface Traced {
  argv: string;
  lines: string[];
}

/**
 * The processes of a `--verbose` trace, from the first whose argv or lines hold `first` on.
 * @param trace The stderr of a `--verbose` command.
 * @param first e.g. `netns add web`, the plan's first command.
 */
function processesFrom(trace: string, first: string): Traced[] {
  const all: Traced[] = [];
  for (const l of trace.split("\n")) {
    if (l.startsWith("$ ")) all.push({ argv: l.slice(2).replace(/ {2}\(.*$/, ""), lines: [] });
    else if (l.startsWith("  < ") && all.length > 0) all.at(-1)!.lines.push(l.slice(4));
  }
  const at = all.findIndex((p) => p.argv.includes(first) || p.lines.includes(first));
  assert.ok(at >= 0, `no process runs '${first}':\n${trace}`);
  return all.slice(at);
}

Deno.test("veth-bridge: run applies and checks its 12 steps in 3 processes (each batch reads its own result), undo deletes and checks in 3 (then looks for the veth's host end until it went with its netns); netns: 2 and 2", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    // Setup only (no command: stdin is not a terminal), so that no process of a command is still ending as undo starts.
    const run = await lab.nsrecipe(["--verbose", "run", "veth-bridge", "--name", "pc"]);
    assert.equal(run.code, 0, run.stderr);
    const applied = processesFrom(run.stderr, "netns add pc");
    assert.deepEqual(applied.map((p) => p.argv), [
      "ip -json -details -batch -",
      "ip -n pc -json -details -batch -",
      "ip -n pc -json -details -batch -",
    ]);
    // The host's side: its 8 lines, then the links they name, the peer moved away last (absent: the batch's last line
    // fails, after every change ran).
    assert.deepEqual(applied[0].lines.slice(7).map((l) => l.replace(/p-[0-9a-f]{8}/, "p-PEER")), [
      "link set dev veth-pc up",
      "addr show dev veth-pc",
      "addr show dev br0",
      "addr show dev p-PEER",
    ]);
    assert.match(
      run.stderr,
      /Device "(p-[0-9a-f]{8})" does not exist\.\n {2}Command failed -:11\n {2}\(expected: '\1' was moved out of this namespace, and this read checks it is gone\)\n/,
    );
    // The netns the peer moved into, whole, for the move's check; then the netns's side: its 4 lines, then the netns
    // whole, for their checks.
    const whole = [
      "addr show",
      "route show table all root 0.0.0.0/0",
      "route show table all root ::/0",
      "neigh show nud permanent",
      "neigh show nud noarp",
      "neigh show proxy",
    ];
    assert.deepEqual(applied[1].lines, whole);
    assert.deepEqual(applied[2].lines, [
      "link set dev lo up",
      "link set dev eth0 up",
      "addr add 10.200.0.2/24 dev eth0",
      "route add default via 10.200.0.1 dev eth0",
      ...whole,
    ]);

    const undo = await lab.nsrecipe(["--verbose", "undo"]);
    assert.equal(undo.code, 0, undo.stderr);
    // The hazards' look at the host, and beside it the netns's links with its processes (none foreign, none inside:
    // the two are traced in the order they end); the deletions, then the host whole, for their checks.
    const undone = processesFrom(undo.stderr, "addr show").map((p) => [p.argv, ...p.lines]);
    assert.ok(undone.length >= 3, undone.join("\n"));
    assert.deepEqual(undone.slice(0, 2).sort(), [
      ["ip -json -details -batch -", ...whole],
      ["ip -n pc -json -details -batch -", "addr show", "netns pids pc"],
    ]);
    // The veth pair goes with the netns its peer is in: no line of its own.
    assert.deepEqual(undone[2], [
      "ip -json -details -batch -",
      "link del dev br0",
      "netns del pc",
      ...whole,
    ]);
    // The kernel destroys the netns, and the pair with it, a moment after that batch (cleanup_net, asynchronous):
    // its host end is looked for in the batch's own reads, then afresh by name until the name is free, and then the
    // whole list read once tells it gone from renamed (its recorded ifindex); never deleted by hand here.
    const looks = undone.slice(3).map((p) => p.join(" "));
    assert.deepEqual(
      looks,
      looks.length === 0
        ? []
        : [...Array(looks.length - 1).fill("ip -json -details link show dev veth-pc"), "ip -json -details link show"],
      "after the batch, only looks at the host end",
    );
    assert.deepEqual(await lab.snapshot(), before);

    const ns = await lab.nsrecipe(["--verbose", "run", "netns", "--name", "pn"]);
    assert.equal(ns.code, 0, ns.stderr);
    // `lo` up in the netns is a step alone, run as a batch so that its check reads the netns in the same process.
    assert.deepEqual(processesFrom(ns.stderr, "ip netns add pn").map((p) => [p.argv, ...p.lines]), [
      ["ip netns add pn"],
      ["ip -n pn -json -details -batch -", "link set dev lo up", ...whole],
    ]);
    const nsUndo = await lab.nsrecipe(["--verbose", "undo"]);
    assert.equal(nsUndo.code, 0, nsUndo.stderr);
    assert.deepEqual(processesFrom(nsUndo.stderr, "ip -n pn").map((p) => [p.argv, ...p.lines]), [
      ["ip -n pn -json -details -batch -", "addr show", "netns pids pn"],
      ["ip netns del pn"],
    ]);
    assert.deepEqual(await lab.snapshot(), before);
  });
});
