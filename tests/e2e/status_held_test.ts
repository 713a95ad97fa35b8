/**
 * `status` checks what a run holds by hand-over as its own: when run a made
 * bridge br0 and run b uses it, undoing a hands br0's steps over to b (b's
 * undo will delete br0). So b's status must say what b's undo will meet there:
 * an address added to br0 by hand (its undo refuses to start, exit 5), br0
 * taken down; and nothing once the host is as b's records say. Before, b
 * showed `applied` with no drift in both cases: only the steps of its own plan
 * were checked.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { type TestLab, withLab } from "../support/lab.ts";
import { assertExit, assertSameHost } from "../support/reliability.ts";

/** Runs a command in the lab and asserts it succeeded. */
async function sh(lab: TestLab, ...argv: string[]): Promise<void> {
  const r = await lab.sh(argv);
  assert.equal(r.code, 0, `${argv.join(" ")}: ${r.stderr}`);
}

/** Run b's state (as the journal says) and drift lines, from `status --json b`. */
async function statusOfB(lab: TestLab): Promise<{ state: string; drift: string[] }> {
  const r = await lab.nsrecipe(["--json", "status", "b"]);
  assertExit(r, EXIT.ok, "status b");
  const [run] = JSON.parse(r.stdout).runs;
  return { state: run.state, drift: run.drift };
}

Deno.test("status checks the steps a run holds by hand-over (a bridge an earlier run made): an address put on it, the bridge taken down; undo and a dry run of undo --all refuse as status said", async () => {
  await withLab(async (lab) => {
    const clean = await lab.snapshot();
    assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", "a"]), EXIT.ok, "run a");
    assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", "b"]), EXIT.ok, "run b");
    const undoA = await lab.nsrecipe(["undo", "a"]);
    assertExit(undoA, EXIT.ok, "undo a");
    assert.match(undoA.stderr, /kept for run '.*' \(b\), which uses it: create bridge 'br0'/);
    assert.deepEqual(await statusOfB(lab), { state: "applied", drift: [] });

    await sh(lab, "ip", "addr", "add", "10.99.0.1/24", "dev", "br0");
    assert.deepEqual(await statusOfB(lab), {
      state: "applied",
      drift: [
        "address 10.99.0.1/24 is on bridge 'br0', which this run holds (made by run 'a', handed over), attached outside " +
        "nsrecipe: undo will not start until it is moved or removed",
      ],
    });
    const refused = await lab.nsrecipe(["undo", "b"]);
    assertExit(refused, EXIT.attention, "undo b with an address on br0");
    assert.match(refused.stderr, /did not start: .*\n {2}address 10\.99\.0\.1\/24 is on bridge 'br0'/);
    // A dry run of undo --all says so too, and ends as undo --all would (exit 5), changing nothing.
    const before = await lab.snapshot();
    const dry = await lab.nsrecipe(["--dry-run", "undo", "--all"]);
    assertExit(dry, EXIT.attention, "--dry-run undo --all");
    assert.match(dry.stderr, /will undo \S+ \(veth-bridge b\), but as the host is now its undo would not start/);
    assert.match(dry.stderr, /address 10\.99\.0\.1\/24 is on bridge 'br0'/);
    const doc = JSON.parse((await lab.nsrecipe(["--json", "--dry-run", "undo", "--all"])).stdout);
    assert.equal(doc.wouldUndo.length, 1);
    assert.match(doc.wouldUndo[0].refuses, /did not start: .*\n {2}address 10\.99\.0\.1\/24 is on bridge 'br0'/);
    assertSameHost(await lab.snapshot(), before, "a dry run");
    await sh(lab, "ip", "addr", "del", "10.99.0.1/24", "dev", "br0");

    await sh(lab, "ip", "link", "set", "dev", "br0", "down");
    assert.deepEqual(await statusOfB(lab), {
      state: "applied",
      drift: ["bring link 'br0' up (made by run 'a', handed over): link 'br0' is not UP"],
    });
    await sh(lab, "ip", "link", "set", "dev", "br0", "up");
    assert.deepEqual(await statusOfB(lab), { state: "applied", drift: [] });

    assertExit(await lab.nsrecipe(["undo", "b"]), EXIT.ok, "undo b");
    assertSameHost(await lab.snapshot(), clean, "after both undos");
  });
});

Deno.test("what a run's undo would hand on to a later run that uses it (a shared bridge) is not said to stop that undo, but the undo that deletes it at last", async () => {
  await withLab(async (lab) => {
    const clean = await lab.snapshot();
    for (const n of ["a", "b", "c"]) assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", n]), EXIT.ok, n);
    await sh(lab, "ip", "addr", "add", "10.99.0.1/24", "dev", "br0");
    const drift = async () => {
      const r = await lab.nsrecipe(["--json", "status"]);
      assertExit(r, EXIT.ok, "status");
      return Object.fromEntries(
        JSON.parse(r.stdout).runs.map((s: { label: string; drift: string[] }) => [s.label, s.drift]),
      );
    };
    // a made br0, b and c use it: a's undo hands br0 on (it does not stop on the address: the last holder's will).
    const onAddress = "address 10.99.0.1/24 is on bridge 'br0', which this run";
    const handedTo = (run: string) =>
      `attached outside nsrecipe: its undo hands it over to run '${run}', and the undo that deletes it will not ` +
      "start until it is moved or removed";
    assert.deepEqual(await drift(), { a: [`${onAddress} made, ${handedTo("b")}`], b: [], c: [] });
    // A dry run of undo --all previews each run with the newer ones undone: c and b go ahead, a (deleting br0) would not.
    const dry = await lab.nsrecipe(["--json", "--dry-run", "undo", "--all"]);
    assertExit(dry, EXIT.attention, "--dry-run undo --all");
    const doc = JSON.parse(dry.stdout);
    assert.deepEqual(
      doc.wouldUndo.map((w: { label: string; refuses?: string }) => [w.label, w.refuses !== undefined]),
      [
        ["c", false],
        ["b", false],
        ["a", true],
      ],
    );
    assertExit(await lab.nsrecipe(["undo", "a"]), EXIT.ok, "undo a");
    assert.deepEqual(await drift(), {
      b: [`${onAddress} holds (made by run 'a', handed over), ${handedTo("c")}`],
      c: [],
    });
    assertExit(await lab.nsrecipe(["undo", "b"]), EXIT.ok, "undo b");
    // c holds br0 now and no later run uses it: c's undo would delete it, and refuses over the address.
    assert.deepEqual(await drift(), {
      c: [
        "address 10.99.0.1/24 is on bridge 'br0', which this run holds (made by run 'a', handed over), attached " +
        "outside nsrecipe: undo will not start until it is moved or removed",
      ],
    });
    assertExit(await lab.nsrecipe(["undo", "c"]), EXIT.attention, "undo c with an address on br0");
    await sh(lab, "ip", "addr", "del", "10.99.0.1/24", "dev", "br0");
    assertExit(await lab.nsrecipe(["undo", "c"]), EXIT.ok, "undo c");
    assertSameHost(await lab.snapshot(), clean, "after the three undos");
  });
});

Deno.test("a dry run of undo --all over full-migrate and a veth-bridge run on its bridge lists both and ends as undo --all does (exit 0)", async () => {
  await withLab(async (lab) => {
    const clean = await lab.snapshot();
    const migrate = ["run", "full-migrate", "--address", "198.51.100.50/24", "--no-confirm"];
    assertExit(await lab.nsrecipe(migrate), EXIT.ok, "run full-migrate");
    assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", "v", "--bridge", "br0"]), EXIT.ok, "run v");
    const dry = await lab.nsrecipe(["--json", "--dry-run", "undo", "--all"]);
    assertExit(dry, EXIT.ok, "--dry-run undo --all");
    const doc = JSON.parse(dry.stdout);
    assert.deepEqual(doc.wouldUndo.map((w: { label: string; refuses?: string }) => [w.label, w.refuses]), [
      ["v", undefined],
      ["nsr0", undefined],
    ]);
    assert.deepEqual(doc.wouldNotUndo, []);
    assertExit(await lab.nsrecipe(["undo", "--all"]), EXIT.ok, "undo --all");
    assertSameHost(await lab.snapshot(), clean, "after undo --all");
  });
});

Deno.test("a bridge deleted and made again by hand is, in status and undo, the one its maker made, the one a later run acted on, or the one a run holds by hand-over", async () => {
  await withLab(async (lab) => {
    const clean = await lab.snapshot();
    const drift = async (label: string) => {
      const r = await lab.nsrecipe(["--json", "status", label]);
      assertExit(r, EXIT.ok, `status ${label}`);
      return (JSON.parse(r.stdout).runs[0].drift as string[]).filter((d) => /is now another link/.test(d));
    };
    const replaceBridge = async () => {
      await sh(lab, "ip", "link", "del", "dev", "br0");
      await sh(lab, "ip", "link", "add", "dev", "br0", "type", "bridge");
    };
    const other = "'br0' is now another link \\(ifindex \\d+, MAC [0-9a-f:]+\\), not the one ";
    // a made br0; b only enslaved its veth to it.
    assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", "a"]), EXIT.ok, "run a");
    assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", "b"]), EXIT.ok, "run b");
    await replaceBridge();
    const [ofA] = await drift("a");
    assert.match(
      ofA,
      new RegExp(`^${other}this run made \\(ifindex \\d+, MAC [0-9a-f:]+\\): undo will leave it alone$`),
    );
    const [ofB] = await drift("b");
    assert.match(
      ofB,
      new RegExp(`^${other}this run acted on \\(ifindex \\d+, MAC [0-9a-f:]+\\): undo will leave it alone$`),
    );
    assertExit(await lab.nsrecipe(["undo", "b"]), EXIT.ok, "undo b");
    const undoA = await lab.nsrecipe(["undo", "a"]);
    assertExit(undoA, EXIT.attention, "undo a");
    assert.match(undoA.stderr, new RegExp(`left alone: create bridge 'br0' .*: ${other}run '[^']+' made `));
    await sh(lab, "ip", "link", "del", "dev", "br0");

    // c made br0 and its undo handed it over to d: d holds it.
    assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", "c"]), EXIT.ok, "run c");
    assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", "d"]), EXIT.ok, "run d");
    assertExit(await lab.nsrecipe(["undo", "c"]), EXIT.ok, "undo c");
    await replaceBridge();
    const [ofD] = await drift("d");
    assert.match(ofD, new RegExp(`^${other}run 'c' made, handed over to this run \\(ifindex \\d+, MAC [0-9a-f:]+\\)`));
    const c = JSON.parse((await lab.nsrecipe(["--json", "journal", "c"])).stdout).records[0].run;
    const undoD = await lab.nsrecipe(["undo", "d"]);
    assertExit(undoD, EXIT.attention, "undo d");
    assert.match(undoD.stderr, new RegExp(`left alone: create bridge 'br0' .*: ${other}run '${c}' made `));
    await sh(lab, "ip", "link", "del", "dev", "br0");
    assertSameHost(await lab.snapshot(), clean, "every run undone, the hand-made bridge deleted");
  });
});
