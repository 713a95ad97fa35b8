import assert from "node:assert/strict";
import { probeJournal } from "../support/journal_probe.ts";
import {
  CHECKED_FILE,
  Journal,
  JOURNAL_FILE,
  parseJournal as parseWithMemory,
  readJournal,
} from "../../src/journal/mod.ts";
import { CHECK_FINGERPRINT, type CheckedMark, readMark } from "../../src/journal/checked_mark.ts";
import { parseJournal } from "../support/journal_text.ts";
import { withStateDir } from "../support/state_dir.ts";
import { netnsRunBegin } from "../support/run_begin.ts";

const AT = "2026-11-29T06:33:00.000Z";
const begin = (run: string) => JSON.stringify({ v: 1, at: AT, ...netnsRunBegin(run) });
const rec = (kind: string, run: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ v: 1, at: AT, kind, run, ...extra });
const lines = (...l: string[]) => l.join("\n") + "\n";

/** A journal with records, a blank line and a problem of each kind the check finds (lines 4, 5, 6). */
const JOURNAL = lines(
  begin("r1"),
  rec("step-intent", "r1", { index: 0 }),
  rec("step-done", "r1", { index: 0 }),
  "{not json",
  JSON.stringify({ v: 2, at: AT, kind: "run-end", run: "r1" }),
  rec("run-end", "r9", { state: "exploded" }),
  "",
  rec("run-end", "r1", { state: "applied" }),
);

const withState = (fn: (dir: string) => Promise<void>) => withStateDir("nsrecipe-mark-", fn);

/** Writes `text` as the journal and lets a lock holder move the mark to its end. */
async function checkpointed(dir: string, text: string): Promise<CheckedMark> {
  Deno.writeTextFileSync(`${dir}/${JOURNAL_FILE}`, text, { mode: 0o600 });
  const journal = await Journal.open(dir);
  try {
    await journal.checkpoint();
  } finally {
    journal.close();
  }
  const mark = await readMark(dir);
  assert.ok(mark, "a checkpoint writes the mark");
  return mark;
}

/**
 * The reader keeps its last parse for the next read of the same process (`parseJournal` in reader.ts): parsing a
 * text that no journal here starts with makes the next read go to the mark or the check.
 */
const forgetLastParse = () => parseWithMemory("\n");

/** Reads the journal without the lock, as `status` does, as a fresh process would. */
async function readAfresh(dir: string) {
  await forgetLastParse();
  const { records, lines, problems } = await readJournal(dir);
  return { records, lines, problems };
}

/** A mark that also says line 1 (a good record) is garbled: believed, it shows; checked again, it does not. */
function forge(dir: string, mark: CheckedMark): void {
  const forged = { line: 1, kind: "garbled" as const, run: "r1", message: "Line 1: forged" };
  Deno.writeTextFileSync(`${dir}/${CHECKED_FILE}`, JSON.stringify({ ...mark, problems: [forged, ...mark.problems] }));
}

Deno.test("checked mark: a journal read through its mark gives exactly the records, line numbers and problems of a full check", () =>
  withState(async (dir) => {
    const mark = await checkpointed(dir, JOURNAL);
    assert.equal(mark.bytes, new TextEncoder().encode(JOURNAL).length);
    assert.equal(mark.check, CHECK_FINGERPRINT);
    assert.deepEqual(mark.problems.map((p) => [p.line, p.kind]), [[4, "garbled"], [5, "newer-version"], [
      6,
      "garbled",
    ]]);
    const full = parseJournal(JOURNAL);
    assert.equal(full.records.length, 4);
    assert.deepEqual(await readAfresh(dir), full);
    const journal = await Journal.open(dir);
    try {
      await forgetLastParse();
      assert.deepEqual(await journal.read(), full);
    } finally {
      journal.close();
    }
  }));

Deno.test("checked mark: a mark that fits the journal's bytes is believed (its lines are not checked again); records after it are checked", () =>
  withState(async (dir) => {
    forge(dir, await checkpointed(dir, JOURNAL));
    const read = await readAfresh(dir);
    assert.deepEqual(read.problems.map((p) => [p.line, p.message.slice(0, 14)]), [
      [1, "Line 1: forged"],
      [4, "Line 4 is not "],
      [5, "Line 5 was wri"],
      [6, "Line 6 is a ma"],
    ]);
    assert.deepEqual(read.lines, [2, 3, 8]);
    // A malformed record appended after the mark is checked and caught, and the mark still covers what it covers.
    Deno.writeTextFileSync(`${dir}/${JOURNAL_FILE}`, lines(rec("step-done", "r1", { index: "0" })), { append: true });
    const more = await readAfresh(dir);
    assert.deepEqual(more.problems.map((p) => [p.line, p.kind]), [
      [1, "garbled"],
      [4, "garbled"],
      [5, "newer-version"],
      [
        6,
        "garbled",
      ],
      [9, "garbled"],
    ]);
    assert.match(more.problems[4].message, /^Line 9 is a malformed "step-done" record \(index: /);
  }));

Deno.test("checked mark: a record edited after the mark, in place and of the same size, is still caught (and the mark not believed)", () =>
  withState(async (dir) => {
    forge(dir, await checkpointed(dir, JOURNAL));
    const cases: [string, string, number][] = [
      ['"state":"applied"', '"state":"applies"', 8], // a valid JSON record, no longer well formed
      ['"index":0}', '"index":0,', 2], // no longer JSON
      ['"run":"r1","index":0', '"run":"r2","index":0', 0], // well formed, but of another run
    ];
    for (const [from, to, line] of cases) {
      const text = JOURNAL.replace(from, to);
      assert.equal(text.length, JOURNAL.length);
      const file = await Deno.open(`${dir}/${JOURNAL_FILE}`, { write: true });
      await file.write(new TextEncoder().encode(text));
      file.close();
      const read = await readAfresh(dir);
      assert.deepEqual(read, parseJournal(text), to);
      assert.ok(!read.problems.some((p) => p.message.includes("forged")), to);
      if (line) assert.ok(read.problems.some((p) => p.line === line && p.kind === "garbled"), to);
      else assert.equal(read.records[1].run, "r2");
    }
    // The next lock holder replaces the mark of the old bytes (same length) with one of these.
    const text = Deno.readTextFileSync(`${dir}/${JOURNAL_FILE}`);
    const journal = await Journal.open(dir);
    try {
      await journal.checkpoint();
    } finally {
      journal.close();
    }
    const mark = await readMark(dir);
    assert.equal(mark?.bytes, new TextEncoder().encode(text).length);
    assert.deepEqual(mark?.problems, parseJournal(text).problems);
    assert.deepEqual(await readAfresh(dir), parseJournal(text));
  }));

Deno.test("checked mark: a journal truncated, replaced by a copy or by another of the same size, or checked under other schemas, is checked in full", () =>
  withState(async (dir) => {
    const path = `${dir}/${JOURNAL_FILE}`;
    const mark = await checkpointed(dir, JOURNAL);
    const full = parseJournal(JOURNAL);
    // Truncated to its first three lines (whole lines: no torn tail).
    forge(dir, mark);
    const three = JOURNAL.split("\n").slice(0, 3).join("\n") + "\n";
    Deno.truncateSync(path, new TextEncoder().encode(three).length);
    assert.deepEqual(await readAfresh(dir), parseJournal(three));
    // Replaced by a copy of the very bytes the mark covers: another inode, so the mark is not believed.
    Deno.writeTextFileSync(`${dir}/copy`, JOURNAL, { mode: 0o600 });
    Deno.renameSync(`${dir}/copy`, path);
    assert.deepEqual(await readAfresh(dir), full);
    // Replaced by another journal of the same size, under a mark made for it but by other schemas.
    const other = JOURNAL.replace('"state":"applied"', '"state":"undone!"');
    const otherMark = await checkpointed(dir, other);
    Deno.writeTextFileSync(path, other);
    forge(dir, { ...otherMark, check: "mark-1/journal-1/schema-0" });
    assert.deepEqual(await readAfresh(dir), parseJournal(other));
    // A mark that is no mark: not JSON, a field out of range, a symbolic link to a fitting mark.
    for (
      const bad of ["{", JSON.stringify({ ...otherMark, bytes: -1 }), JSON.stringify({ ...otherMark, problems: 1 })]
    ) {
      Deno.writeTextFileSync(`${dir}/${CHECKED_FILE}`, bad);
      assert.deepEqual(await readAfresh(dir), parseJournal(other), bad);
    }
    forge(dir, otherMark);
    Deno.renameSync(`${dir}/${CHECKED_FILE}`, `${dir}/elsewhere`);
    Deno.symlinkSync(`${dir}/elsewhere`, `${dir}/${CHECKED_FILE}`);
    assert.deepEqual(await readAfresh(dir), parseJournal(other));
  }));

Deno.test("checked mark: a torn last line is never covered; completed later, its record is checked", () =>
  withState(async (dir) => {
    const path = `${dir}/${JOURNAL_FILE}`;
    const mark = await checkpointed(dir, JOURNAL);
    const torn = rec("step-done", "r1", { index: "1" });
    Deno.writeTextFileSync(path, torn.slice(0, 20), { append: true });
    const read = await readJournal(dir);
    assert.equal(read.incomplete, torn.slice(0, 20));
    assert.deepEqual(read.problems, parseJournal(JOURNAL).problems);
    // A lock holder cuts the torn line off, and its mark ends where the complete records end.
    const journal = await Journal.open(dir);
    try {
      assert.match(journal.repaired, /incomplete/);
      await journal.checkpoint();
    } finally {
      journal.close();
    }
    assert.equal((await readMark(dir))?.bytes, mark.bytes);
    // The same line written whole afterwards is checked (a malformed index) as any record beyond the mark.
    Deno.writeTextFileSync(path, torn + "\n", { append: true });
    const after = await readAfresh(dir);
    assert.deepEqual(after, parseJournal(JOURNAL + torn + "\n"));
    assert.equal(after.problems.at(-1)?.line, 9);
  }));

Deno.test("checked mark: only a lock holder's checkpoint writes it; readers with or without the lock leave it alone", () =>
  withState(async (dir) => {
    Deno.writeTextFileSync(`${dir}/${JOURNAL_FILE}`, JOURNAL, { mode: 0o600 });
    await readAfresh(dir);
    const journal = await Journal.open(dir);
    try {
      await forgetLastParse();
      await journal.read();
      assert.equal(await readMark(dir), undefined);
      await journal.append({ kind: "run-end", run: "r2", state: "undone" });
      await journal.checkpoint();
    } finally {
      journal.close();
    }
    const text = Deno.readTextFileSync(`${dir}/${JOURNAL_FILE}`);
    const mark = await readMark(dir);
    assert.equal(mark?.bytes, new TextEncoder().encode(text).length);
    assert.equal(Deno.statSync(`${dir}/${CHECKED_FILE}`).mode! & 0o777, 0o600);
    assert.deepEqual(await readAfresh(dir), parseJournal(text));
  }));

Deno.test("checked mark: readers without the lock, beside a writer that appends and moves the mark, each read a full check's result of some prefix", () =>
  withState(async (dir) => {
    Deno.writeTextFileSync(`${dir}/${JOURNAL_FILE}`, JOURNAL, { mode: 0o600 });
    const journal = await Journal.open(dir);
    let writing = true;
    const writer = (async () => {
      try {
        for (let i = 0; i < 30; i++) {
          await journal.append(
            i % 3 ? { kind: "step-intent", run: "r1", index: i } : { kind: "run-end", run: "r1", state: "undone" },
          );
          if (i % 4 === 0) await journal.checkpoint();
        }
      } finally {
        writing = false;
        journal.close();
      }
    })();
    let reads = 0;
    while (writing || reads === 0) {
      await forgetLastParse();
      const read = await readJournal(dir);
      const text = Deno.readTextFileSync(`${dir}/${JOURNAL_FILE}`);
      // What was read is the journal up to some record boundary no later than now.
      const seen = text.split("\n").slice(0, read.lines.at(-1) ?? 0).join("\n") + "\n";
      assert.deepEqual({ records: read.records, lines: read.lines, problems: read.problems }, parseJournal(seen));
      reads++;
    }
    await writer;
  }));

Deno.test("checked mark: a fresh process reading a checked journal does not load zod; one with records beyond the mark does", () =>
  withState(async (dir) => {
    const probe = (mode: "read" | "append" = "read") => probeJournal(mode, dir);
    await checkpointed(dir, JOURNAL);
    assert.deepEqual(await probe(), {
      zod: false,
      records: 4,
      problems: ["garbled@4", "newer-version@5", "garbled@6"],
    });
    Deno.writeTextFileSync(`${dir}/${JOURNAL_FILE}`, lines(rec("step-done", "r1", { index: -1 })), { append: true });
    assert.deepEqual(await probe(), {
      zod: true,
      records: 4,
      problems: ["garbled@4", "newer-version@5", "garbled@6", "garbled@9"],
    });
  }));

Deno.test("checked mark: a lock holder without zod loaded leaves its own records beyond the mark (no zod for them); the next with zod moves it", () =>
  withState(async (dir) => {
    const probe = (mode: "read" | "append" = "read") => probeJournal(mode, dir);
    const mark = await checkpointed(dir, JOURNAL);
    assert.deepEqual(await probe("append"), { zod: false, mark: mark.bytes });
    const text = Deno.readTextFileSync(`${dir}/${JOURNAL_FILE}`);
    assert.ok(text.length > JOURNAL.length);
    assert.deepEqual(await probe("read"), {
      zod: true,
      records: 5,
      problems: ["garbled@4", "newer-version@5", "garbled@6"],
    });
    // This process has zod loaded: its checkpoint checks the record and moves the mark to the end.
    const moved = await checkpointed(dir, text);
    assert.equal(moved.bytes, new TextEncoder().encode(text).length);
    assert.deepEqual(await probe("read"), {
      zod: false,
      records: 5,
      problems: ["garbled@4", "newer-version@5", "garbled@6"],
    });
  }));
