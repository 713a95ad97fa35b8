/**
 * Keeping the journal short: every command reads the whole journal, so a
 * host that has made and undone thousands of runs since boot would pay for
 * all of them on every command (measured: 1,000 closed veth-bridge runs,
 * 39,000 records, took `status` from 127 to 271 ms and `undo` from 137 to
 * 332 ms; 5,000 took them to 0.87 and 1.04 s). Once
 * {@link ARCHIVE_AT_RUNS} closed runs are of no more use, the process that
 * holds the lock and has just recorded a run moves them out of the journal:
 *
 * 1. the journal file as it is gets a second name, archive segment N
 *    (`journal.archive-N.jsonl`, `link(2)`: every line it holds, nothing
 *    copied), unless an earlier compaction cut short gave it one already;
 * 2. the lines of the runs kept, in their order, are written to a new file
 *    beside it and synced (`fdatasync`), and its checked mark written;
 * 3. that file is renamed over the journal (`rename(2)` replaces it
 *    atomically).
 *
 * Whatever stops it, the journal's name holds either the old file (every
 * record) or the new one (every record of every run kept, which is all any
 * command but `journal` reads): a reader without the lock reads one whole
 * file or the other. A segment left by a compaction cut short is the
 * journal itself under a second name (same inode), which the next
 * compaction uses as its own segment. The history (`nsrecipe journal`)
 * reads the segments before the journal ({@link readHistory}); a run kept
 * by a compaction is in that segment too, its first lines only, and is read
 * from the newest file that holds its `run-begin` record.
 *
 * What stays in the journal: every open run; every run closed less than
 * {@link RECENT_WINDOW_MS} before (`confirm` answers "too late" about them);
 * the {@link KEEP_CLOSED_RUNS} last closed (what `undo NAME`, `status` and
 * `exec` say of a run closed lately); and with any run kept, every run tied
 * to it by a step handed over (its undo reads the other's records). Nothing
 * moves while the journal has a problem (a garbled, inconsistent or newer
 * record), and nothing unless the runs kept fold, alone, to exactly the
 * views they had in the whole journal.
 *
 * @module
 */
import type { ParsedJournal } from "./reader.ts";
import { parseJournal } from "./reader.ts";
import { foldRuns, isOpen, RECENT_WINDOW_MS, type RunView } from "./runs.ts";
import { markChecked } from "./checked_mark.ts";
import { JOURNAL_FILE, SEGMENT_FILE_RE, segmentFile } from "./paths.ts";
import type { JournalRecord } from "./records.ts";
import { isOsError } from "./os_error.ts";

/** How many runs of no more use the journal holds before a compaction moves them out. */
export const ARCHIVE_AT_RUNS = 50;

/** How many of the last closed runs a compaction keeps in the journal, whenever they closed. */
export const KEEP_CLOSED_RUNS = 10;

/** What a compaction does: the lines it keeps and the runs it moves out. */
export interface CompactionPlan {
  /** 1-based numbers of the journal's lines to keep (every line of every run kept), ascending. */
  keep: number[];
  /** Ids of the runs moved out, in journal order. */
  archived: string[];
}

/** The limits of {@link planCompaction} (the constants above by default; smaller in tests). */
export interface CompactionLimits {
  /** See {@link ARCHIVE_AT_RUNS}. */
  atRuns: number;
  /** See {@link KEEP_CLOSED_RUNS}. */
  keepClosed: number;
  /** See {@link RECENT_WINDOW_MS}, in ms. */
  recentMs: number;
}

const LIMITS: CompactionLimits = { atRuns: ARCHIVE_AT_RUNS, keepClosed: KEEP_CLOSED_RUNS, recentMs: RECENT_WINDOW_MS };

/**
 * What a compaction of this journal would move out (pure).
 * @param parsed The whole journal, checked (every line under the checked mark or checked now), no torn tail.
 * @param now The current time, ms since the epoch.
 * @param limits See {@link CompactionLimits}.
 * @returns The plan; `undefined` when fewer than `atRuns` runs could move, or the journal has a problem.
 */
export function planCompaction(
  parsed: ParsedJournal,
  now: number,
  limits: CompactionLimits = LIMITS,
): CompactionPlan | undefined {
  if (parsed.problems.length > 0) return undefined;
  const { runs, orphanProblems } = foldRuns(parsed);
  if (orphanProblems.length > 0 || runs.some((r) => r.problems.length > 0)) return undefined;
  // Runs tied by a handed-over step move together or not at all.
  const root = new Map<string, string>();
  const find = (id: string): string => {
    const up = root.get(id);
    if (up === undefined || up === id) return id;
    const top = find(up);
    root.set(id, top);
    return top;
  };
  for (const rec of parsed.records) {
    if (rec.kind === "step-undone" && rec.how === "handed-over" && rec.to) root.set(find(rec.run), find(rec.to));
  }
  const closed = runs.filter((r) => !isOpen(r)).sort((a, b) => (a.endedAt ?? "").localeCompare(b.endedAt ?? ""));
  const last = new Set(closed.slice(Math.max(0, closed.length - limits.keepClosed)).map((r) => r.id));
  const stays = (r: RunView) => {
    if (isOpen(r) || last.has(r.id) || r.endedAt === undefined) return true;
    const age = now - Date.parse(r.endedAt);
    return !(age >= limits.recentMs); // NaN (an unreadable time) stays
  };
  const kept = new Set(runs.filter(stays).map((r) => find(r.id)));
  const archived = runs.filter((r) => !kept.has(find(r.id))).map((r) => r.id);
  if (archived.length < limits.atRuns) return undefined;
  const out = new Set(archived);
  const keep = parsed.lines.filter((_, i) => !out.has(parsed.records[i].run));
  // The runs kept must read alone as they read in the whole journal.
  const alone = foldRuns({
    records: parsed.records.filter((r) => !out.has(r.run)),
    lines: keep,
    problems: [],
  });
  const before = runs.filter((r) => !out.has(r.id));
  if (alone.orphanProblems.length > 0 || JSON.stringify(alone.runs) !== JSON.stringify(before)) return undefined;
  return { keep, archived };
}

/** An archive segment of a state directory. */
export interface Segment {
  /** Its number (`journal.archive-N.jsonl`), from 1. */
  n: number;
  /** Its inode number (`st_ino`); -1 when the system gives none. */
  ino: number;
}

/**
 * The archive segments of a state directory, by number (readdir and lstat, no process).
 * @param dir The state directory.
 * @returns Ascending by number; `[]` when there is none.
 */
export function segmentsOf(dir: string): Segment[] {
  const found: Segment[] = [];
  for (const e of Deno.readDirSync(dir)) {
    const m = SEGMENT_FILE_RE.exec(e.name);
    if (!m || !e.isFile) continue;
    found.push({ n: Number(m[1]), ino: Deno.lstatSync(`${dir}/${e.name}`).ino ?? -1 });
  }
  return found.sort((a, b) => a.n - b.n);
}

/**
 * Compacts the journal as planned (see the module doc for the steps and why
 * any stop leaves a whole journal). Only under the journal's lock, by the
 * process that will append nothing more (its descriptor still names the old
 * file, now the segment).
 * @param dir The state directory.
 * @param plan From {@link planCompaction} of the journal as it is now.
 * @param size The journal's length as the lock holder knows it (`Journal.bytes`): another length means the file
 *   is not the one planned for, and nothing is done.
 * @returns The segment's file name, e.g. `journal.archive-1.jsonl`; `undefined` when nothing was done.
 * @throws {Error} Only for what is not an operating system's refusal (a bug, a missing Deno permission): a
 *   refusal (a filesystem without hard links, a full disk) leaves the journal as it was, the new file removed.
 */
export async function compactJournal(dir: string, plan: CompactionPlan, size: number): Promise<string | undefined> {
  const path = `${dir}/${JOURNAL_FILE}`;
  const tmp = `${path}.compact`;
  try {
    const bytes = await Deno.readFile(path);
    if (bytes.length !== size || (size > 0 && bytes[size - 1] !== 0x0a)) return undefined;
    const keep = new Set(plan.keep);
    const lines = new TextDecoder().decode(bytes).split("\n").slice(0, -1);
    const kept = new TextEncoder().encode(lines.filter((_, i) => keep.has(i + 1)).map((l) => `${l}\n`).join(""));
    const ino = (await Deno.lstat(path)).ino;
    const segments = segmentsOf(dir);
    const newest = segments.at(-1);
    const name = newest && newest.ino === ino ? segmentFile(newest.n) : segmentFile((newest?.n ?? 0) + 1);
    if (!(newest && newest.ino === ino)) await Deno.link(path, `${dir}/${name}`);
    await Deno.remove(tmp).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
    const file = await Deno.open(tmp, { write: true, createNew: true, mode: 0o600 });
    let info: Deno.FileInfo;
    try {
      for (let at = 0; at < kept.length;) at += await file.write(kept.subarray(at));
      await file.syncData();
      info = await file.stat();
    } finally {
      file.close();
    }
    await markChecked(dir, kept, { dev: info.dev, ino: info.ino ?? -1 });
    await Deno.rename(tmp, path);
    return name;
  } catch (e) {
    if (!isOsError(e)) throw e;
    await Deno.remove(tmp).catch(() => {});
    return undefined;
  }
}

/** The whole history of a state directory, as {@link readHistory} reads it. */
export interface History {
  /** Every record of every run, in the order they were written (by `at`, file order among equals). */
  records: JournalRecord[];
  /** The segments read, as file names, ascending. */
  segments: string[];
  /** What could not be read in a segment, by its file name (the journal's own problems are its reader's). */
  problems: { file: string; message: string }[];
}

/**
 * The archived part of the history: the records of the runs the segments
 * hold and the journal does not (a run in several files is read from the
 * newest that holds its `run-begin`: a compaction that kept it copied it
 * whole), for `nsrecipe journal`. Reads every segment in full, checking
 * each record (no mark covers them): the cost of a history is paid by the
 * command that asks for it.
 * @param dir The state directory.
 * @param live The journal's records (read as its reader reads them).
 * @returns The history; with no segment, `live` as it is.
 * @throws {Deno.errors.PermissionDenied} | {Error} When a segment cannot be read.
 */
export async function readHistory(dir: string, live: readonly JournalRecord[]): Promise<History> {
  const segments = (() => {
    try {
      return segmentsOf(dir).map((s) => segmentFile(s.n));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return [];
      throw e;
    }
  })();
  if (segments.length === 0) return { records: [...live], segments, problems: [] };
  const files: JournalRecord[][] = [];
  const problems: History["problems"] = [];
  for (const name of segments) {
    const text = await Deno.readTextFile(`${dir}/${name}`);
    const parsed = await parseJournal(text.slice(0, text.lastIndexOf("\n") + 1));
    files.push(parsed.records);
    for (const p of parsed.problems) problems.push({ file: name, message: p.message });
  }
  files.push([...live]);
  // Each run from the newest file holding its run-begin (a record of a run begun in no file: from every file).
  const home = new Map<string, number>();
  files.forEach((records, f) => {
    for (const r of records) if (r.kind === "run-begin") home.set(r.run, f);
  });
  const records = files.flatMap((rs, f) => rs.filter((r) => (home.get(r.run) ?? f) === f));
  // Stable: records of one file keep their order; the files' records interleave as they were written.
  const order = records.map((r, i) => ({ r, i })).sort((a, b) => a.r.at.localeCompare(b.r.at) || a.i - b.i);
  return { records: order.map((x) => x.r), segments, problems };
}
