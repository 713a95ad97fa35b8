/**
 * The confirm-or-revert watchdog never gives up in silence (issue 12, items
 * 1-3), when its state directory breaks: it reverts at the deadline whatever
 * happens to the state directory and records it once it can; when the disk
 * fills exactly at the confirmation record, `run` undoes the change at once.
 * (The watchdog's other tests: `watchdog_test.ts`, `watchdog_killed_test.ts`;
 * one file each, so that `deno test --parallel` runs them side by side.)
 */
import assert from "node:assert/strict";
import { EXIT } from "../../src/errors.ts";
import { type TestLab, withLab } from "../support/lab.ts";
import { waitFor } from "../support/wait.ts";
import { ended, type Rec, records, STATE, waitForSnapshot } from "../support/watchdog_journal.ts";

/** A small tmpfs as the state directory, so that it can be filled, remounted or chmodded. */
async function smallStateDir(lab: TestLab): Promise<void> {
  assert.equal((await lab.sh(["mkdir", "-p", STATE])).code, 0);
  const m = await lab.sh(["mount", "-t", "tmpfs", "-o", "size=256k,mode=0700", "nsstate", STATE]);
  assert.equal(m.code, 0, m.stderr);
}

/** Fills the state directory's filesystem to the last byte (the journal padded to a page with blank lines first). */
async function fillStateDir(lab: TestLab): Promise<void> {
  await lab.sh([
    "sh",
    "-c",
    `f=${STATE}/journal.jsonl; s=$(stat -c %s $f); p=$(( (4096 - s % 4096) % 4096 )); ` +
    `head -c $p /dev/zero | tr '\\0' '\\n' >> $f; dd if=/dev/zero of=${STATE}/fill bs=1k 2>/dev/null; true`,
  ]);
  const probe = await lab.sh(["sh", "-c", `printf x >> ${STATE}/probe`]);
  assert.notEqual(probe.code, 0, "the state directory is full");
}

const BREAKS: { what: string; doIt: (lab: TestLab) => Promise<void>; undoIt: (lab: TestLab) => Promise<void> }[] = [
  {
    what: "its filesystem fills up",
    doIt: fillStateDir,
    undoIt: (lab) => lab.sh(["rm", `${STATE}/fill`]).then(() => {}),
  },
  {
    what: "it is remounted read-only",
    doIt: async (lab) => assert.equal((await lab.sh(["mount", "-o", "remount,ro", STATE])).code, 0),
    undoIt: (lab) => lab.sh(["mount", "-o", "remount,rw", STATE]).then(() => {}),
  },
  {
    what: "it is chmod 775 (nsrecipe refuses to write there)",
    doIt: async (lab) => assert.equal((await lab.sh(["chmod", "775", STATE])).code, 0),
    undoIt: (lab) => lab.sh(["chmod", "700", STATE]).then(() => {}),
  },
];

for (const b of BREAKS) {
  Deno.test(`watchdog: the state directory breaks during the window (${b.what}); the run is still reverted at the deadline and recorded once it can be`, async () => {
    await withLab(async (lab) => {
      await smallStateDir(lab);
      const before = await lab.snapshot();
      // The window leaves room to break the state directory before its deadline on a loaded machine.
      const r = await lab.nsrecipe(["run", "netns", "--name", "w1", "--confirm", "8", "--", "true"]);
      assert.equal(r.code, 0, r.stderr);
      const wait = (await records(lab)).find((x) => x.kind === "confirm-wait")!;
      const watchdog = wait.watchdogPid!;
      await waitFor(
        "the watchdog to hold the journal",
        async () => (await lab.sh(["ls", "-l", `/proc/${watchdog}/fd`])).stdout.includes(`${STATE}/journal.jsonl`),
      );
      await b.doIt(lab);
      assert.ok(Date.now() < wait.deadline!, "the state directory broke within the window");
      await waitForSnapshot(lab, before, "the watchdog's revert", wait.deadline);
      assert.equal(await ended(lab), undefined, "the journal could not record it yet");
      await b.undoIt(lab);
      await waitFor("the revert to be recorded", async () => (await ended(lab)) === "undone", 30_000);
      const kinds = (await records(lab)).map((x) => x.kind);
      assert.deepEqual(kinds.slice(kinds.indexOf("confirm-wait")), [
        "confirm-wait",
        "confirm-expired",
        "step-undone",
        "step-undone",
        "run-end",
      ]);
      const st = await lab.nsrecipe(["status"]);
      assert.match(st.stdout, /No applied runs/);
    });
  });
}

Deno.test("the disk fills exactly at the confirmation record: run undoes the change now and says so (exit 5: the undo could not be recorded either), not 'nothing changed'", async () => {
  await withLab(async (lab) => {
    await smallStateDir(lab);
    const before = await lab.snapshot();
    const child = lab.spawn([
      "env",
      "NSRECIPE_TEST_FAULT=i-understand-this-breaks-nsrecipe:stop@after-done:1",
      ...(await import("../../src/lab/mod.ts")).selfArgv(),
      "run",
      "netns",
      "--name",
      "w6",
      "--confirm",
      "60",
      "--",
      "true",
    ]);
    let begin: Rec | undefined;
    await waitFor("the switch to stop after its last step", async () => {
      begin = (await records(lab).catch(() => [])).find((x) => x.kind === "run-begin");
      return begin !== undefined &&
        (await lab.sh(["ps", "-o", "stat=", "-p", String(begin.pid)])).stdout.trim().startsWith("T");
    });
    // Leave room for exactly the run-end record: the confirm-wait record after it finds the disk full.
    const runEnd =
      JSON.stringify({ v: 1, at: new Date().toISOString(), kind: "run-end", run: begin!.run, state: "applied" }) +
      "\n";
    await lab.sh([
      "sh",
      "-c",
      `f=${STATE}/journal.jsonl; s=$(stat -c %s $f); p=$(( (8192 - (s + ${runEnd.length}) % 4096) % 4096 )); ` +
      `head -c $p /dev/zero | tr '\\0' '\\n' >> $f; dd if=/dev/zero of=${STATE}/fill bs=1k 2>/dev/null; true`,
    ]);
    await lab.sh(["kill", "-CONT", String(begin!.pid)]);
    Deno.kill(child.pid, "SIGCONT");
    const out = await child.output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, EXIT.attention, stderr);
    assert.match(
      stderr,
      /Could not record the confirmation window of run \S+ \(No space left on device.*\): nobody could confirm it, so it is undone now\./,
    );
    assert.match(stderr, /reverted every step on the host, but the journal .* could not record it/);
    assert.doesNotMatch(stderr, /nothing (was )?changed/i);
    assert.deepEqual(await lab.snapshot(), before);
    const kinds = (await records(lab)).map((x) => x.kind);
    assert.equal(kinds.at(-1), "run-end", "the run-end (applied) record fitted");
    assert.ok(!kinds.includes("confirm-wait"));
  });
});
