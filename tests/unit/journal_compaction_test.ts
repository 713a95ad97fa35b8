import assert from "node:assert/strict";
import { probeJournal } from "../support/journal_probe.ts";
import { netnsRunBegin } from "../support/run_begin.ts";
import {
  ARCHIVE_AT_RUNS,
  compactJournal,
  foldRuns,
  hostStampNow,
  Journal,
  JOURNAL_FILE,
  KEEP_CLOSED_RUNS,
  planCompaction,
  readHistory,
  readJournal,
  RECENT_WINDOW_MS,
  segmentFile,
} from "../../src/journal/mod.ts";
import { segmentMarkFile } from "../../src/journal/paths.ts";
import { readMark } from "../../src/journal/checked_mark.ts";
import { HeldJournal } from "../../src/cli/watchdog.ts";
import { parseJournal } from "../support/journal_text.ts";
import { withStateDir } from "../support/state_dir.ts";
import type { RecordBody } from "../../src/journal/mod.ts";
import type { Step } from "../../src/steps/mod.ts";

const NOW = Date.parse("2026-12-03T12:00:00.000Z");
const LONG_AGO = new Date(NOW - 24 * 3600_000);
/** An ISO time `s` seconds after {@link LONG_AGO}. */
const at = (s: number) => new Date(LONG_AGO.getTime() + s * 1000).toISOString();
const STEPS = [{ kind: "netns-add", netns: "web" }, { kind: "link-set-up", dev: "lo", netns: "web" }];
const line = (o: Record<string, unknown>) => JSON.stringify({ v: 1, ...o });
/** The body of a run-begin record of a netns run (without `v` and `at`). */
const beginBody = (run: string, steps: Step[] = STEPS as Step[]): RecordBody => netnsRunBegin(run, { steps });
const begin = (run: string, t: string) => line({ at: t, ...beginBody(run) });

/** One run's lines: begun, both steps done, applied; and, unless `open`, undone and closed at `endAt`. */
function runLines(run: string, t: string, endAt: string | undefined): string[] {
  const l = [
    begin(run, t),
    line({ at: t, kind: "step-intent", run, index: 0 }),
    line({ at: t, kind: "step-intent", run, index: 1 }),
    line({ at: t, kind: "step-done", run, index: 0 }),
    line({ at: t, kind: "step-done", run, index: 1 }),
    line({ at: t, kind: "run-end", run, state: "applied" }),
  ];
  if (endAt === undefined) return l;
  return [
    ...l,
    line({ at: endAt, kind: "step-undone", run, index: 1, how: "subsumed" }),
    line({ at: endAt, kind: "step-undone", run, index: 0, how: "reverted" }),
    line({ at: endAt, kind: "run-end", run, state: "undone" }),
  ];
}

/** `closed` runs closed long ago (r0, r1, …), then `open` applied runs (o0, …), each a second apart. */
function journalOf(closed: number, open: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < closed; i++) out.push(...runLines(`r${i}`, at(i), at(i + 0.5)));
  for (let i = 0; i < open; i++) out.push(...runLines(`o${i}`, at(closed + i), undefined));
  return out;
}

const text = (l: string[]) => l.join("\n") + "\n";
const runIds = (t: string) => foldRuns(parseJournal(t)).runs.map((r) => r.id);

Deno.test("planCompaction: the closed runs beyond the last few move out once there are enough; open runs stay", () => {
  const closed = ARCHIVE_AT_RUNS + KEEP_CLOSED_RUNS;
  const lines = journalOf(closed, 2);
  const plan = planCompaction(parseJournal(text(lines)), NOW);
  assert.ok(plan);
  assert.deepEqual(plan.archived, Array.from({ length: ARCHIVE_AT_RUNS }, (_, i) => `r${i}`));
  const kept = plan.keep.map((n) => lines[n - 1]);
  assert.deepEqual(
    runIds(text(kept)),
    [...Array.from({ length: KEEP_CLOSED_RUNS }, (_, i) => `r${ARCHIVE_AT_RUNS + i}`), "o0", "o1"],
  );
  assert.equal(kept.length, (KEEP_CLOSED_RUNS * 9) + 2 * 6, "every line of every run kept, none of the others");
  // One run fewer to move: nothing moves.
  assert.equal(planCompaction(parseJournal(text(journalOf(closed - 1, 2))), NOW), undefined);
});

Deno.test("planCompaction: a run closed less than the confirm window before stays, however many closed after it", () => {
  // r0 … r10, the first runs, closed just inside the window: all of them stay, beside the last few closed.
  const lines = journalOf(ARCHIVE_AT_RUNS + 2 * KEEP_CLOSED_RUNS + 1 - 1, 0);
  const recentEnd = new Date(NOW - RECENT_WINDOW_MS + 60_000).toISOString();
  const recent = lines.map((l) => {
    const r = /"run":"r([0-9]+)"/.exec(l);
    return r && Number(r[1]) <= KEEP_CLOSED_RUNS && /"kind":"(step-undone|run-end)"/.test(l) && !l.includes("applied")
      ? l.replace(/"at":"[^"]+"/, `"at":"${recentEnd}"`)
      : l;
  });
  assert.equal(planCompaction(parseJournal(text(recent)), NOW), undefined, "one run short of the threshold");
  const plan = planCompaction(parseJournal(text([...recent, ...runLines("r-extra", at(500), at(501))])), NOW);
  assert.ok(plan);
  for (let i = 0; i <= KEEP_CLOSED_RUNS; i++) assert.ok(!plan.archived.includes(`r${i}`), `r${i} closed lately`);
  assert.equal(plan.archived.length, ARCHIVE_AT_RUNS);
  // A minute later the window has passed for them: they may move.
  const later = planCompaction(
    parseJournal(text([...recent, ...runLines("r-extra", at(500), at(501))])),
    NOW + 120_000,
  );
  assert.ok(later?.archived.includes("r0"));
});

Deno.test("planCompaction: runs tied by a handed-over step stay together; a journal with a problem is left alone", () => {
  const lines = journalOf(ARCHIVE_AT_RUNS + KEEP_CLOSED_RUNS + 1, 1);
  // r0's step 0 was handed over to the open run o0 (which undoes it later): r0 stays with it.
  const tied = lines.map((l) =>
    l.includes('"run":"r0"') && l.includes('"index":0') && l.includes("step-undone")
      ? line({ at: at(0.5), kind: "step-undone", run: "r0", index: 0, how: "handed-over", to: "o0" })
      : l
  );
  // o0 must exist before the hand-over record: put its lines first.
  const o0 = tied.filter((l) => l.includes('"run":"o0"'));
  const ordered = [...o0, ...tied.filter((l) => !l.includes('"run":"o0"'))];
  const plan = planCompaction(parseJournal(text(ordered)), NOW);
  assert.ok(plan);
  assert.ok(!plan.archived.includes("r0"), "tied to an open run");
  assert.ok(plan.archived.includes("r1"));
  assert.equal(planCompaction(parseJournal(text([...ordered, "{garbled"])), NOW), undefined);
});

/**
 * Runs on one bridge in rolling use: r0 makes it (its step 0), each later run uses it and is made before the one
 * before it is undone, whose undo hands r0's step 0 on to it. The last, r`n`, is open and holds it.
 */
function rolling(n: number): string[] {
  const out = [...runLines("r0", at(0), undefined)];
  for (let i = 1; i <= n; i++) {
    out.push(...runLines(`r${i}`, at(i), undefined));
    const prev = `r${i - 1}`, t = at(i + 0.5);
    if (i > 1) out.push(line({ at: t, kind: "step-undone", run: "r0", index: 0, how: "handed-over", to: `r${i}` }));
    out.push(
      line({ at: t, kind: "step-undone", run: prev, index: 1, how: "reverted" }),
      i === 1
        ? line({ at: t, kind: "step-undone", run: "r0", index: 0, how: "handed-over", to: "r1" })
        : line({ at: t, kind: "step-undone", run: prev, index: 0, how: "reverted" }),
      line({ at: t, kind: "run-end", run: prev, state: "undone" }),
    );
  }
  return out;
}

Deno.test("planCompaction: runs in rolling use of one bridge move out but its owner and holder; their fold is unchanged", () => {
  const n = ARCHIVE_AT_RUNS + KEEP_CLOSED_RUNS + 5;
  const lines = rolling(n);
  const parsed = parseJournal(text(lines));
  const plan = planCompaction(parsed, NOW);
  assert.ok(plan, "the earlier holders move out");
  assert.ok(!plan.archived.includes("r0"), "r0 owns the step the open run holds");
  assert.ok(!plan.archived.includes(`r${n}`));
  assert.deepEqual(plan.archived, Array.from({ length: n - KEEP_CLOSED_RUNS - 1 }, (_, i) => `r${i + 1}`));
  const kept = parseJournal(text(plan.keep.map((k) => lines[k - 1])));
  assert.deepEqual(kept.problems, []);
  const whole = foldRuns(parsed).runs;
  assert.deepEqual(foldRuns(kept).runs, whole.filter((r) => !plan.archived.includes(r.id)));
  assert.deepEqual(foldRuns(kept).runs.at(-1)!.inherited, [{ run: "r0", index: 0 }]);
  // A long chain (20,000 hand-overs) is planned, not a stack overflow.
  assert.ok(planCompaction(parseJournal(text(rolling(20_000))), NOW));
});

Deno.test("planCompaction: nothing moves while a confirmation window is open (its watchdog reads the file it holds)", () => {
  const lines = journalOf(ARCHIVE_AT_RUNS + KEEP_CLOSED_RUNS, 1);
  const windowed = [
    ...lines,
    line({ at: at(900), kind: "confirm-wait", run: "o0", deadline: NOW + 60_000, watchdogPid: 9 }),
  ];
  assert.equal(planCompaction(parseJournal(text(windowed)), NOW), undefined);
  const confirmed = [
    ...windowed,
    line({ at: at(901), kind: "run-confirmed", run: "o0", by: "command", invokedAt: NOW }),
  ];
  assert.ok(planCompaction(parseJournal(text(confirmed)), NOW), "confirmed: the window is closed");
});

Deno.test("planCompaction: a command naming a run, or confirm naming none, picks the run it picked before", () => {
  // r0 is kept as the owner of a step the open o0 holds; a newer closed run has r0's name: it stays too, and so does
  // the newest run that had a window (r1), however old.
  const lines = journalOf(ARCHIVE_AT_RUNS + KEEP_CLOSED_RUNS + 5, 1).map((l) =>
    l.includes('"run":"r0"') && l.includes('"index":0') && l.includes("step-undone")
      ? line({ at: at(0.5), kind: "step-undone", run: "r0", index: 0, how: "handed-over", to: "o0" })
      : l.includes('"run":"r3"') && l.includes("run-begin")
      ? l.replace('"label":"r3"', '"label":"r0"')
      : l
  );
  const o0 = lines.filter((l) => l.includes('"run":"o0"'));
  const ordered = [
    ...o0,
    ...lines.filter((l) => !l.includes('"run":"o0"')),
    line({ at: at(2), kind: "confirm-wait", run: "r1", deadline: NOW - 3600_000, watchdogPid: 9 }),
  ].sort((a, b) => (a.includes('"run":"r1"') ? 1 : 0) - (b.includes('"run":"r1"') ? 1 : 0));
  const parsed = parseJournal(text(ordered));
  assert.deepEqual(parsed.problems, []);
  const plan = planCompaction(parsed, NOW);
  assert.ok(plan);
  for (const id of ["r0", "r3", "r1"]) assert.ok(!plan.archived.includes(id), `${id} stays`);
  assert.ok(plan.archived.includes("r2"));
});

Deno.test("planCompaction: a holder whose undo ended incomplete keeps the runs the step went on to; the rest still moves", () => {
  const t = at(1);
  const hand = (to: string) => line({ at: t, kind: "step-undone", run: "O", index: 0, how: "handed-over", to });
  const lines = [
    ...runLines("O", t, undefined),
    ...runLines("H1", t, undefined),
    hand("H1"),
    line({ at: t, kind: "step-undone", run: "O", index: 1, how: "reverted" }),
    line({ at: t, kind: "run-end", run: "O", state: "undone" }),
    ...runLines("H2", t, undefined),
    hand("H2"),
    line({ at: t, kind: "step-undo-failed", run: "H1", index: 1, error: "busy" }),
    line({ at: t, kind: "step-undone", run: "H1", index: 0, how: "reverted" }),
    line({ at: t, kind: "run-end", run: "H1", state: "incomplete" }),
    ...runLines("H3", t, undefined),
    hand("H3"),
    line({ at: t, kind: "step-undone", run: "H2", index: 1, how: "reverted" }),
    line({ at: t, kind: "step-undone", run: "H2", index: 0, how: "reverted" }),
    line({ at: t, kind: "run-end", run: "H2", state: "undone" }),
    ...journalOf(ARCHIVE_AT_RUNS + KEEP_CLOSED_RUNS, 0),
  ];
  const parsed = parseJournal(text(lines));
  assert.deepEqual(parsed.problems, []);
  const plan = planCompaction(parsed, NOW);
  assert.ok(plan, "not blocked for good");
  for (const id of ["O", "H1", "H2", "H3"]) assert.ok(!plan.archived.includes(id), `${id} stays`);
  assert.equal(plan.archived.length, ARCHIVE_AT_RUNS);
  const kept = parseJournal(text(plan.keep.map((k) => lines[k - 1])));
  assert.deepEqual(foldRuns(kept).runs, foldRuns(parsed).runs.filter((r) => !plan.archived.includes(r.id)));
});

const withState = (fn: (dir: string) => Promise<void>) => withStateDir("nsrecipe-compact-", fn);

/**
 * Writes a journal of `closed` closed runs and `open` open ones ({@link journalOf}) into the state directory.
 * @returns Its path and its text.
 */
function seed(dir: string, closed: number, open: number): { path: string; long: string } {
  const path = `${dir}/${JOURNAL_FILE}`;
  const long = text(journalOf(closed, open));
  Deno.writeTextFileSync(path, long, { mode: 0o600 });
  return { path, long };
}

/** Opens the journal, appends one run's records (begun and applied: open), checkpoints and closes. */
async function recordRun(dir: string, run: string): Promise<void> {
  const journal = await Journal.open(dir);
  try {
    await journal.appendAll([
      beginBody(run, [{ kind: "netns-add", netns: run }]),
      { kind: "run-end", run, state: "applied" },
    ]);
    await journal.checkpoint();
  } finally {
    journal.close();
  }
}

Deno.test("Journal.checkpoint: a writer compacts a long journal; the runs kept read as before, the history is whole", () =>
  withState(async (dir) => {
    const { path, long: before } = seed(dir, ARCHIVE_AT_RUNS + KEEP_CLOSED_RUNS, 1);
    const oldIno = Deno.statSync(path).ino;
    await recordRun(dir, "n1");
    const segment = `${dir}/${segmentFile(1)}`;
    assert.equal(Deno.statSync(segment).ino, oldIno, "the segment is the old journal file, by a second name");
    const full = parseJournal(Deno.readTextFileSync(segment));
    assert.equal(full.records.length, parseJournal(before).records.length + 2, "it holds every line, the new ones too");
    const live = await readJournal(dir);
    assert.deepEqual(
      foldRuns(live).runs.map((r) => r.id),
      [...Array.from({ length: KEEP_CLOSED_RUNS }, (_, i) => `r${ARCHIVE_AT_RUNS + i}`), "o0", "n1"],
    );
    const whole = foldRuns(full).runs;
    assert.deepEqual(foldRuns(live).runs, whole.filter((r) => !/^r([0-9]|[1-4][0-9])$/.test(r.id)));
    // The new journal carries its own checked mark: its next reader checks nothing.
    const mark = await readMark(dir);
    assert.equal(mark?.ino, Deno.statSync(path).ino);
    assert.equal(mark?.bytes, Deno.statSync(path).size);
    // The history: every record once, in the order written.
    const history = await readHistory(dir, live.records);
    assert.deepEqual(history.segments, [segmentFile(1)]);
    assert.deepEqual(history.records, full.records);
    assert.deepEqual(history.problems, []);
    // A segment damaged since: its problem is reported with its file and line, its other records still read.
    Deno.writeTextFileSync(segment, "{garbled\n", { append: true });
    const damaged = await readHistory(dir, live.records);
    assert.deepEqual(damaged.problems.map((p) => [p.file, p.kind, p.line]), [[
      segmentFile(1),
      "garbled",
      full.records.length + 1,
    ]]);
    assert.deepEqual(damaged.records, full.records);
  }));

Deno.test("Journal.checkpoint: after a compaction cut short (the segment linked, no rename), the next one reuses it", () =>
  withState(async (dir) => {
    const path = `${dir}/${JOURNAL_FILE}`;
    Deno.writeTextFileSync(path, text(journalOf(ARCHIVE_AT_RUNS + KEEP_CLOSED_RUNS, 0)), { mode: 0o600 });
    Deno.linkSync(path, `${dir}/${segmentFile(1)}`); // what a kill between link(2) and rename(2) leaves
    await recordRun(dir, "n1");
    assert.throws(() => Deno.statSync(`${dir}/${segmentFile(2)}`), Deno.errors.NotFound, "no second copy");
    const live = await readJournal(dir);
    const history = await readHistory(dir, live.records);
    assert.deepEqual(history.records, parseJournal(Deno.readTextFileSync(`${dir}/${segmentFile(1)}`)).records);
    assert.equal(new Set(history.records.map((r) => JSON.stringify(r))).size, history.records.length, "no duplicate");
  }));

Deno.test("Journal.checkpoint: a process that recorded nothing, or a short journal, is not compacted", () =>
  withState(async (dir) => {
    const { path, long } = seed(dir, ARCHIVE_AT_RUNS + KEEP_CLOSED_RUNS, 0);
    const reader = await Journal.open(dir);
    await reader.checkpoint();
    reader.close();
    assert.equal(Deno.readTextFileSync(path), long);
    Deno.writeTextFileSync(path, text(journalOf(ARCHIVE_AT_RUNS + KEEP_CLOSED_RUNS - 2, 0)), { mode: 0o600 });
    await recordRun(dir, "n1");
    assert.equal([...Deno.readDirSync(dir)].filter((e) => e.name.startsWith("journal.archive")).length, 0);
  }));

Deno.test("Journal: nothing is appended after its compaction (its descriptor names the segment)", () =>
  withState(async (dir) => {
    Deno.writeTextFileSync(`${dir}/${JOURNAL_FILE}`, text(journalOf(ARCHIVE_AT_RUNS + KEEP_CLOSED_RUNS, 0)), {
      mode: 0o600,
    });
    const journal = await Journal.open(dir);
    try {
      await journal.append({ kind: "run-end", run: "r0", state: "undone" });
      await journal.checkpoint();
      await assert.rejects(journal.append({ kind: "run-end", run: "r0", state: "undone" }), /after its compaction/);
    } finally {
      journal.close();
    }
  }));

Deno.test("HeldJournal (the watchdog's): after a compaction it reads the new journal, records appended since included", () =>
  withState(async (dir) => {
    Deno.writeTextFileSync(`${dir}/${JOURNAL_FILE}`, text(journalOf(ARCHIVE_AT_RUNS + KEEP_CLOSED_RUNS, 1)), {
      mode: 0o600,
    });
    const held = new HeldJournal(dir);
    try {
      assert.ok(foldRuns(await held.read()).runs.some((r) => r.id === "r0"));
      await recordRun(dir, "n1"); // compacts
      await recordRun(dir, "n2"); // appended to the new journal only
      const runs = foldRuns(await held.read()).runs.map((r) => r.id);
      assert.ok(runs.includes("n2"), `the held journal follows the new file: ${runs.join(" ")}`);
      assert.ok(!runs.includes("r0"), "and no longer the old one");
    } finally {
      held.close();
    }
  }));

Deno.test("Journal.checkpoint: what a compaction stopped before its rename leaves (its new file, its mark) is read past and replaced", () =>
  withState(async (dir) => {
    const { path } = seed(dir, ARCHIVE_AT_RUNS + KEEP_CLOSED_RUNS, 1);
    // A stop after the new file was written and its mark put down, before the rename: the mark names that file.
    Deno.writeTextFileSync(`${path}.compact`, "{stale\n", { mode: 0o600 });
    const { markChecked } = await import("../../src/journal/checked_mark.ts");
    const stale = Deno.statSync(`${path}.compact`);
    await markChecked(dir, new TextEncoder().encode("{stale\n"), { dev: stale.dev, ino: stale.ino! });
    const read = await readJournal(dir);
    assert.equal(foldRuns(read).runs.length, ARCHIVE_AT_RUNS + KEEP_CLOSED_RUNS + 1, "the journal reads whole");
    assert.deepEqual(read.problems, [], "a mark naming another file is not trusted");
    await recordRun(dir, "n1");
    assert.deepEqual(foldRuns(await readJournal(dir)).runs.map((r) => r.id).slice(-2), ["o0", "n1"]);
    assert.throws(() => Deno.statSync(`${path}.compact`), Deno.errors.NotFound, "the leftover is gone");
    assert.equal((await readMark(dir))?.ino, Deno.statSync(path).ino);
  }));

/** {@link readHistory} in a fresh process, as `nsrecipe journal` reads (tests/support/read_journal_probe.ts). */
const historyProbe = (dir: string) => probeJournal("history", dir);

Deno.test("readHistory: a segment is read through the journal's mark copied at its compaction; one that does not fit it is checked in full", () =>
  withState(async (dir) => {
    seed(dir, ARCHIVE_AT_RUNS + KEEP_CLOSED_RUNS, 1);
    await recordRun(dir, "n1");
    const segment = `${dir}/${segmentFile(1)}`;
    const full = parseJournal(Deno.readTextFileSync(segment));
    // The segment's mark: the journal's as the compaction found it, naming the segment's file and all its lines.
    const mark = await readMark(dir, segmentMarkFile(1));
    const info = Deno.statSync(segment);
    assert.deepEqual([mark?.dev, mark?.ino, mark?.bytes, mark?.problems], [info.dev, info.ino, info.size, []]);
    // The journal holds only lines copied from the segment: the history is the segment's records.
    const expected = full.records.length;
    assert.equal((await readHistory(dir, (await readJournal(dir)).records)).records.length, expected);
    // Read through the marks, nothing is checked against the schemas: zod is not even loaded.
    assert.deepEqual(await historyProbe(dir), {
      zod: false,
      records: expected,
      segments: [segmentFile(1)],
      problems: [],
    });
    // A record changed in place (same size): the mark's hash no longer matches, the segment is checked in full.
    const text = Deno.readTextFileSync(segment);
    const at = text.indexOf('"kind":"step-done"');
    Deno.writeTextFileSync(segment, text.slice(0, at) + '"kind":"step-d0ne"' + text.slice(at + 18));
    assert.equal(Deno.statSync(segment).size, info.size);
    const line = text.slice(0, at).split("\n").length;
    assert.deepEqual(await historyProbe(dir), {
      zod: true,
      records: expected - 1,
      segments: [segmentFile(1)],
      problems: [`${segmentFile(1)}:garbled@${line}`],
    });
    // Without its mark (a segment made before segments had marks), the same: checked in full.
    Deno.writeTextFileSync(segment, text);
    Deno.removeSync(`${dir}/${segmentMarkFile(1)}`);
    assert.deepEqual(await historyProbe(dir), {
      zod: true,
      records: expected,
      segments: [segmentFile(1)],
      problems: [],
    });
  }));

Deno.test("readHistory: a compaction that ends while the history is read is seen, and the history read again; marks of other segments are not trusted", () =>
  withState(async (dir) => {
    seed(dir, ARCHIVE_AT_RUNS + KEEP_CLOSED_RUNS, 1);
    await recordRun(dir, "n1");
    // As many closed runs again: the next run compacts a second time.
    const more = Array.from(
      { length: ARCHIVE_AT_RUNS + KEEP_CLOSED_RUNS },
      (_, i) => runLines(`m${i}`, at(1000 + i), at(1000 + i + 0.5)),
    ).flat();
    Deno.writeTextFileSync(`${dir}/${JOURNAL_FILE}`, text(more), { append: true });
    // The second compaction ends after the history listed its files and before it read them.
    const raced = await readHistory(dir, (await readJournal(dir)).records, () => recordRun(dir, "n2"));
    assert.deepEqual(raced.segments, [segmentFile(1), segmentFile(2)]);
    const ids = [...new Set(raced.records.map((r) => r.run))];
    assert.deepEqual(ids.filter((id) => id.startsWith("m")).length, ARCHIVE_AT_RUNS + KEEP_CLOSED_RUNS, "every run");
    assert.deepEqual(raced.records, (await readHistory(dir, (await readJournal(dir)).records)).records);
    const whole = await historyProbe(dir);
    assert.deepEqual(whole, { zod: false, records: raced.records.length, segments: raced.segments, problems: [] });
    // Each segment's mark put in the other's place: neither names its file, both are checked in full, same history.
    const [m1, m2] = [1, 2].map((n) => `${dir}/${segmentMarkFile(n)}`);
    const [t1, t2] = [Deno.readTextFileSync(m1), Deno.readTextFileSync(m2)];
    Deno.writeTextFileSync(m1, t2);
    Deno.writeTextFileSync(m2, t1);
    assert.deepEqual(await historyProbe(dir), { ...whole, zod: true });
    // A segment cut short (its last line gone): its mark reaches past its end, it is checked in full.
    Deno.writeTextFileSync(m1, t1);
    Deno.writeTextFileSync(m2, t2);
    const s2 = `${dir}/${segmentFile(2)}`;
    const lines = Deno.readTextFileSync(s2).trimEnd().split("\n");
    Deno.writeTextFileSync(s2, text(lines.slice(0, -1)));
    const cut = await historyProbe(dir);
    assert.equal(cut.zod, true);
    assert.deepEqual(cut.problems, []);
  }));

Deno.test("readHistory: every record once, in the order written, a clock set back included; a segment that is the journal is read once", () =>
  withState(async (dir) => {
    const path = `${dir}/${JOURNAL_FILE}`;
    // The last closed run's undo was recorded with the clock set back a day: written after, dated before.
    const lines = journalOf(ARCHIVE_AT_RUNS + KEEP_CLOSED_RUNS, 0).map((l) =>
      /"run":"r59"/.test(l) && /step-undone|run-end","run":"r59","state":"undone/.test(l)
        ? l.replace(/"at":"[^"]+"/, `"at":"${new Date(LONG_AGO.getTime() - 24 * 3600_000).toISOString()}"`)
        : l
    );
    Deno.writeTextFileSync(path, text(lines), { mode: 0o600 });
    // A compaction stopped after its link: the segment is the journal itself.
    Deno.linkSync(path, `${dir}/${segmentFile(1)}`);
    const stopped = await readHistory(dir, (await readJournal(dir)).records);
    assert.deepEqual(stopped.records, parseJournal(text(lines)).records, "read once");
    await recordRun(dir, "n1");
    const live = await readJournal(dir);
    const history = await readHistory(dir, live.records);
    assert.deepEqual(history.records, [...parseJournal(text(lines)).records, ...live.records.slice(-2)]);
  }));

Deno.test("Journal.checkpoint: the host stamp moves before the compacted journal takes the journal's name", () =>
  withState(async (dir) => {
    Deno.writeTextFileSync(`${dir}/${JOURNAL_FILE}`, text(journalOf(ARCHIVE_AT_RUNS + KEEP_CLOSED_RUNS, 0)), {
      mode: 0o600,
    });
    const hostLock = `${dir}/host.lock`;
    const journal = await Journal.open(dir, () => {}, hostLock);
    try {
      await journal.append({ kind: "run-end", run: "r0", state: "undone" });
      const stamp = hostStampNow(hostLock);
      await journal.checkpoint();
      assert.ok(Deno.statSync(`${dir}/${segmentFile(1)}`).isFile, "compacted");
      assert.equal(hostStampNow(hostLock), stamp + 1, "moved by the compaction itself, before close");
    } finally {
      journal.close();
    }
  }));

Deno.test("compactJournal: no segment is numbered beyond what the segment pattern reads; nothing moves then", () =>
  withState(async (dir) => {
    const { path, long } = seed(dir, ARCHIVE_AT_RUNS + KEEP_CLOSED_RUNS, 0);
    Deno.writeTextFileSync(`${dir}/${segmentFile(999_999_999)}`, "", { mode: 0o600 });
    const plan = planCompaction(parseJournal(long), NOW);
    assert.ok(plan);
    assert.equal(await compactJournal(dir, plan, new TextEncoder().encode(long).length), undefined);
    assert.equal(Deno.readTextFileSync(path), long);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [segmentFile(999_999_999), JOURNAL_FILE]);
  }));
