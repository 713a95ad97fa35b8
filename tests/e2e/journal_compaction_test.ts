/**
 * A long history is moved out of the journal (`src/journal/compaction.ts`)
 * by the next run, in a lab: the journal seeded with 60 closed runs, copies
 * of one veth-bridge run and undo as nsrecipe recorded them. A run with a
 * confirmation window compacts nothing while the window is open (its
 * watchdog reads the file it holds); after the confirmation the next run
 * compacts. The history, status, undo and the runs moved out read as before,
 * and the host ends as it began.
 */
import assert from "node:assert/strict";
import { withLab } from "../support/lab.ts";
import { assertSameHost, journalText } from "../support/reliability.ts";
import { psState, STATE, watchdogPid } from "../support/watchdog_journal.ts";
import { waitFor } from "../support/wait.ts";
import { ARCHIVE_AT_RUNS, KEEP_CLOSED_RUNS } from "../../src/journal/mod.ts";

/** `count` copies of one run's lines, each with a run id of its own and times a day before now, a second apart. */
function history(sample: string[], count: number): string {
  const id = JSON.parse(sample[0]).run as string;
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const copy = `20200101T${String(100000 + i).slice(-6)}-${i.toString(16).padStart(4, "0")}`;
    const at = new Date(Date.now() - 24 * 3600_000 + i * 1000).toISOString();
    for (const l of sample) out.push(l.replaceAll(id, copy).replace(/"at":"[^"]+"/, `"at":"${at}"`));
  }
  return out.join("\n") + "\n";
}

Deno.test("journal compaction: the next run moves a long history to an archive segment; its watchdog, confirm, journal, status and undo work as before", async () => {
  await withLab(async (lab) => {
    const clean = await lab.snapshot();
    const made = await lab.nsrecipe(["run", "veth-bridge", "--name", "web"]);
    assert.equal(made.code, 0, made.stderr);
    const undone = await lab.nsrecipe(["undo"]);
    assert.equal(undone.code, 0, undone.stderr);
    const sample = (await journalText(lab)).trimEnd().split("\n");
    assert.equal(JSON.parse(sample.at(-1)!).state, "undone", "one closed run");
    const closed = ARCHIVE_AT_RUNS + KEEP_CLOSED_RUNS;
    const seeded = history(sample, closed);
    const w = await lab.sh(["sh", "-c", `cat > ${STATE}/journal.jsonl && rm -f ${STATE}/journal.checked`], seeded);
    assert.equal(w.code, 0, w.stderr);
    const before = JSON.parse((await lab.nsrecipe(["--json", "journal"])).stdout).records;
    assert.equal(before.length, sample.length * closed);

    // A run with a window: while it is open nothing moves (its watchdog reads the journal file it holds).
    const windowed = await lab.nsrecipe(["run", "netns", "--name", "w1", "--confirm", "60", "--", "true"]);
    assert.equal(windowed.code, 0, windowed.stderr);
    assert.equal(await lab.readFile(`${STATE}/journal.archive-1.jsonl`), undefined, "no compaction under a window");
    const pid = await watchdogPid(lab);
    const confirmed = await lab.nsrecipe(["confirm", "w1"]);
    assert.equal(confirmed.code, 0, confirmed.stderr);
    await waitFor("the watchdog to end on the confirmation", async () => ["", "Z"].includes(await psState(lab, pid)));

    // The next run compacts.
    const run = await lab.nsrecipe(["run", "netns", "--name", "w2", "--", "true"]);
    assert.equal(run.code, 0, run.stderr);
    const segment = await lab.readFile(`${STATE}/journal.archive-1.jsonl`);
    assert.ok(segment?.startsWith(seeded), "the archive segment: the journal as it was, every line");
    const live = (await journalText(lab)).trimEnd().split("\n").map((l) => JSON.parse(l).run as string);
    const copies = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, k) => JSON.parse(seeded.split("\n")[(from + k) * sample.length]).run);
    const [w1, w2] = [...new Set(live)].slice(-2);
    assert.deepEqual([...new Set(live)], [...copies(ARCHIVE_AT_RUNS, closed), w1, w2], "the last closed runs, w1, w2");
    assert.equal(live.filter((r) => r !== w1 && r !== w2).length, sample.length * KEEP_CLOSED_RUNS, "each kept whole");

    // The history is whole: every record before, then the new run's.
    const doc = JSON.parse((await lab.nsrecipe(["--json", "journal"])).stdout);
    assert.deepEqual([doc.archive, doc.archiveProblems], [[`${STATE}/journal.archive-1.jsonl`], []]);
    const after = doc.records;
    assert.deepEqual(after.slice(0, before.length), before);
    assert.ok(after.slice(before.length).every((r: { run: string }) => r.run !== before[0].run));
    assert.ok(after.some((r: { kind: string; state?: string }) => r.kind === "run-confirmed"));
    // A run moved out is still named as the closed run it is: a second undo of it is the no-op it was.
    const [old] = copies(0, 1);
    const again = await lab.nsrecipe(["undo", old]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`^Nothing to undo: run '${old}' \\(web\\) was undone at `, "m"));
    const named = await lab.nsrecipe(["status", old]);
    assert.equal(named.code, 2);
    assert.match(named.stderr, new RegExp(`'${old}' \\(web\\) was undone at .*: it is not applied`));
    const status = await lab.nsrecipe(["status"]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /\bw1\b/);
    assert.match(status.stdout, /\bw2\b/);
    for (const name of ["w2", "w1"]) {
      const gone = await lab.nsrecipe(["undo", name]);
      assert.equal(gone.code, 0, gone.stderr);
    }
    assertSameHost(await lab.snapshot(), clean, "after undo");
  });
});
