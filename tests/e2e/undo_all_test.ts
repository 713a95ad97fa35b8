/**
 * `undo --all` says up front which runs it will and will not undo (and why),
 * undoes every run it may, newest first, going on past one it cannot finish,
 * and exits with the code that describes the whole: 0 all undone, 5 some undo
 * needs attention, else 3 some runs were not undone (and are unchanged).
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { type TestLab, withLab } from "../support/lab.ts";
import { assertExit, assertNoNetnsLeft, assertSameHost, journalText, writeJournal } from "../support/reliability.ts";

/** Applies `run netns --name NAME` and returns the run id. */
async function applied(lab: TestLab, name: string): Promise<string> {
  const r = await lab.nsrecipe(["--json", "run", "netns", "--name", name]);
  assertExit(r, EXIT.ok, `run ${name}`);
  return JSON.parse(r.stdout).run;
}

/** Garbles the step-done record of step 0 of a run in the journal. */
async function garble(lab: TestLab, id: string): Promise<void> {
  const lines = (await journalText(lab)).split("\n");
  const n = lines.findIndex((l) => l.includes(`"run":"${id}"`) && l.includes('"step-done"'));
  assert.ok(n >= 0, "the record to garble exists");
  lines[n] = lines[n].slice(0, 40) + '#garbage,,,"run":"' + id + '"';
  await writeJournal(lab, lines.join("\n"));
}

Deno.test("undo --all with a run whose journal record is damaged: says up front it will not undo that one and why, undoes the newer and the older run, exits 3; that run's namespace is untouched", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const a = await applied(lab, "a1");
    const b = await applied(lab, "b1");
    const c = await applied(lab, "c1");
    await garble(lab, b);
    const withRuns = await lab.snapshot();
    const dry = await lab.nsrecipe(["--json", "--dry-run", "undo", "--all"]);
    assertExit(dry, EXIT.ok, "--dry-run undo --all");
    const doc = JSON.parse(dry.stdout);
    assert.deepEqual(doc.wouldUndo.map((w: { run: string }) => w.run), [c, a]);
    assert.deepEqual(doc.wouldNotUndo.map((w: { run: string }) => w.run), [b]);
    assert.match(doc.wouldNotUndo[0].why, /^its journal records cannot be read/);
    assert.match(dry.stderr, new RegExp(`will NOT undo ${b} \\(netns b1\\)`));
    assertSameHost(await lab.snapshot(), withRuns, "a dry run changes nothing");
    const r = await lab.nsrecipe(["undo", "--all"]);
    assertExit(r, EXIT.precondition, "undo --all");
    const plan = r.stderr.slice(0, r.stderr.indexOf("Undoing run"));
    assert.match(plan, /undo --all: 3 applied run\(s\), newest first:/);
    assert.match(plan, new RegExp(`will undo ${c} \\(netns c1\\)`));
    assert.match(plan, new RegExp(`will undo ${a} \\(netns a1\\)`));
    assert.match(
      plan,
      new RegExp(`will NOT undo ${b} \\(netns b1\\): its journal records cannot be read \\(Line \\d+`),
    );
    assert.match(r.stderr, /undo --all undid 2 of 3 run\(s\); 1 were not undone and are unchanged/);
    assert.match(r.stdout, new RegExp(`Undone ${c} \\(c1\\)`));
    assert.match(r.stdout, new RegExp(`Undone ${a} \\(a1\\)`));
    const names = (await lab.sh(["ip", "netns", "list"])).stdout;
    assert.match(names, /^b1\b/m, "the damaged run's namespace is untouched");
    assert.doesNotMatch(names, /^(a1|c1)\b/m);
    await lab.sh(["ip", "netns", "del", "b1"]);
    assertSameHost(await lab.snapshot(), before, "undo --all, and b1 removed by hand");
  });
});

Deno.test("undo --all where the newest run's namespace was made again by hand: goes on to the older runs, exits 5 naming the run that needs attention", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    await applied(lab, "a2");
    const b = await applied(lab, "b2");
    for (const argv of [["ip", "netns", "del", "b2"], ["ip", "netns", "add", "b2"]]) {
      assert.equal((await lab.sh(argv)).code, 0);
    }
    const r = await lab.nsrecipe(["--json", "undo", "--all"]);
    assertExit(r, EXIT.attention, "undo --all");
    const doc = JSON.parse(r.stdout);
    assert.equal(doc.exitCode, EXIT.attention);
    assert.deepEqual(doc.undone.map((u: { label: string }) => u.label), ["a2"]);
    assert.equal(doc.incomplete.length, 1);
    assert.match(doc.incomplete[0], new RegExp(`^${b} \\(b2\\): .*left alone`));
    assert.match(r.stderr, /undo --all undid 1 of 2 run\(s\); 1 need attention/);
    await lab.sh(["ip", "netns", "del", "b2"]);
    assertSameHost(await lab.snapshot(), before, "undo --all, and the admin's b2 removed");
    const again = await lab.nsrecipe(["undo", "--all"]);
    assertExit(again, EXIT.ok, "a second undo --all");
    assert.match(again.stdout, /Nothing to undo/);
  });
});

Deno.test("undo --all with every run undoable: lists them, undoes them all newest first, exits 0", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const a = await applied(lab, "a3");
    assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", "b3"]), EXIT.ok, "run veth-bridge b3");
    assertExit(await lab.nsrecipe(["run", "veth-bridge", "--name", "c3"]), EXIT.ok, "run veth-bridge c3");
    const r = await lab.nsrecipe(["undo", "--all"]);
    assertExit(r, EXIT.ok, "undo --all");
    assert.match(r.stderr, /undo --all: 3 applied run\(s\), newest first:/);
    assert.doesNotMatch(r.stderr, /will NOT undo/);
    const order = [...r.stdout.matchAll(/^Undone \S+ \((\w+)\)/gm)].map((m) => m[1]);
    assert.deepEqual(order, ["c3", "b3", "a3"]);
    assert.match(r.stdout, new RegExp(`Undone ${a} \\(a3\\)`));
    assertSameHost(await lab.snapshot(), before, "undo --all");
    await assertNoNetnsLeft(lab);
  });
});
