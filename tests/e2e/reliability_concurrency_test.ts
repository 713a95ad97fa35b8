/**
 * Concurrency: nsrecipe processes started at once in the same lab. The
 * journal's exclusive lock serialises them: the second waits (saying so
 * after a moment) and then plans against the host as the first left it, so
 * both complete correctly, the journal stays consistent (each run's records
 * contiguous) and nothing is done twice.
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { withLab } from "../support/lab.ts";
import { assertExit, assertSameHost, journalOf } from "../support/reliability.ts";
import type { JournalRecord } from "../../src/journal/mod.ts";
import { holdLock, startNsrecipe } from "../support/side_by_side.ts";

/** Asserts that the records of each run form one contiguous block (no interleaving). */
function assertContiguous(records: readonly JournalRecord[], runs: number) {
  const blocks = records.map((r) => r.run).filter((id, i, all) => i === 0 || all[i - 1] !== id);
  assert.equal(new Set(blocks).size, blocks.length, `interleaved runs: ${blocks.join(" ")}`);
  assert.equal(blocks.length, runs);
}

/** Asserts that no step of any run was recorded undone twice. */
function assertUndoneOnce(records: readonly JournalRecord[]) {
  const keys = records.filter((r) => r.kind === "step-undone").map((r) => `${r.run}#${"index" in r ? r.index : ""}`);
  assert.equal(new Set(keys).size, keys.length, `a step was undone twice: ${keys.join(" ")}`);
}

Deno.test("concurrency: two runs with different names at once both apply, one after the other; two undos at once undo one run each", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    const [a, b] = await Promise.all([
      lab.nsrecipe(["run", "netns", "--name", "c1"]),
      lab.nsrecipe(["run", "netns", "--name", "c2"]),
    ]);
    assertExit(a, 0, "run c1");
    assertExit(b, 0, "run c2");
    assert.match((await lab.sh(["ip", "netns", "list"])).stdout, /^c1\b[\s\S]*^c2\b|^c2\b[\s\S]*^c1\b/m);
    let journal = await journalOf(lab);
    assert.deepEqual(journal.problems, []);
    assertContiguous(journal.records, 2);
    assert.equal(journal.records.filter((r) => r.kind === "step-done").length, 4, "each step done once");

    const [u1, u2] = await Promise.all([lab.nsrecipe(["undo"]), lab.nsrecipe(["undo"])]);
    assertExit(u1, 0, "first undo");
    assertExit(u2, 0, "second undo");
    assert.match(u1.stdout + u2.stdout, /Undone .*\(c1\)/);
    assert.match(u1.stdout + u2.stdout, /Undone .*\(c2\)/);
    assertSameHost(await lab.snapshot(), before, "two runs and two undos at once");
    const applied = journal.records.length;
    journal = await journalOf(lab);
    assert.deepEqual(journal.problems, []);
    assertUndoneOnce(journal.records);
    assertContiguous(journal.records.slice(applied), 2);
  });
});

Deno.test("concurrency: the same run undone twice at once is undone once; the other undo finds nothing to do", async () => {
  await withLab(async (lab) => {
    const before = await lab.snapshot();
    assertExit(await lab.nsrecipe(["run", "netns", "--name", "c1"]), 0, "run");
    const results = await Promise.all([lab.nsrecipe(["undo", "c1"]), lab.nsrecipe(["undo", "c1"])]);
    for (const r of results) assertExit(r, 0, "undo c1");
    assert.equal(results.filter((r) => /Nothing to undo/.test(r.stdout)).length, 1);
    assertSameHost(await lab.snapshot(), before, "double undo");
    const journal = await journalOf(lab);
    assertUndoneOnce(journal.records);
    assert.equal(journal.records.filter((r) => r.kind === "run-end" && r.state === "undone").length, 1);
  });
});

Deno.test("concurrency: two runs of the same name at once: exactly one applies, the other is refused (exit 3) and changes nothing", async () => {
  await withLab(async (lab) => {
    const results = await Promise.all([
      lab.nsrecipe(["run", "netns", "--name", "same"]),
      lab.nsrecipe(["run", "netns", "--name", "same"]),
    ]);
    assert.deepEqual(results.map((r) => r.code).sort(), [EXIT.ok, EXIT.precondition]);
    const refused = results.find((r) => r.code === EXIT.precondition)!;
    assert.match(refused.stderr, /A network namespace named 'same' already exists/);
    const journal = await journalOf(lab);
    assert.equal(journal.records.filter((r) => r.kind === "run-begin").length, 1, "one run, not two");
  });
});

Deno.test("concurrency: while another process holds the lock, run waits and says so, changes nothing, and completes once the lock is released", async () => {
  await withLab(async (lab) => {
    assertExit(await lab.nsrecipe(["undo"]), 0, "undo with nothing to undo (creates the state directory)");
    const lock = await holdLock(lab, "/run/nsrecipe/lock");
    try {
      const run = startNsrecipe(lab, ["run", "netns", "--name", "w1"]);
      const deadline = Date.now() + 60_000; // a bound for a loaded machine, not a speed target
      while (!/Waiting for another nsrecipe process/.test(run.stderr()) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 25));
      }
      assert.match(run.stderr(), /Waiting for another nsrecipe process to finish \(lock '\/run\/nsrecipe\/lock'\)/);
      assert.doesNotMatch((await lab.sh(["ip", "netns", "list"])).stdout, /w1/, "nothing done while waiting");
      await lock.release();
      const { code } = await run.done;
      assert.equal(code, 0, run.stderr());
      assert.match((await lab.sh(["ip", "netns", "list"])).stdout, /^w1\b/m);
    } finally {
      await lock.release();
    }
  });
});

Deno.test("concurrency: status and journal only read: they answer at once while another process holds the lock", async () => {
  await withLab(async (lab) => {
    assertExit(await lab.nsrecipe(["run", "netns", "--name", "r1"]), 0, "run");
    const lock = await holdLock(lab, "/run/nsrecipe/lock");
    try {
      const status = await lab.nsrecipe(["status"]);
      assertExit(status, 0, "status");
      assert.match(status.stdout, /^r1 +netns +applied /m);
      assert.doesNotMatch(status.stderr, /Waiting for another nsrecipe process/);
      const journal = await lab.nsrecipe(["journal"]);
      assertExit(journal, 0, "journal");
      assert.match(journal.stdout, /r1/);
      assert.doesNotMatch(journal.stderr, /Waiting for another nsrecipe process/);
    } finally {
      await lock.release();
    }
  });
});

Deno.test("concurrency: run looks at the host before it takes the lock: an unfit host is refused at once, without waiting", async () => {
  await withLab(async (lab) => {
    assertExit(await lab.nsrecipe(["undo"]), 0, "undo with nothing to undo (creates the state directory)");
    assert.equal((await lab.sh(["ip", "netns", "add", "taken"])).code, 0);
    const lock = await holdLock(lab, "/run/nsrecipe/lock");
    try {
      const run = await lab.nsrecipe(["run", "netns", "--name", "taken", "--", "true"]);
      assertExit(run, EXIT.precondition, "run with a taken name while the lock is held");
      assert.match(run.stderr, /taken/);
      assert.doesNotMatch(run.stderr, /Waiting for another nsrecipe process/);
    } finally {
      await lock.release();
    }
  });
});
