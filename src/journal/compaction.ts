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
 *    copied), unless an earlier compaction cut short gave it one already,
 *    and the journal's checked mark is copied as the segment's
 *    (`journal.archive-N.checked`);
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
 * reads the segments, then the journal ({@link readHistory}): each file
 * after the first begins with the lines copied from the one before.
 *
 * What stays in the journal: every open run; every run closed less than
 * {@link RECENT_WINDOW_MS} before (`confirm` answers "too late" about them);
 * the {@link KEEP_CLOSED_RUNS} last closed (what `undo NAME`, `status` and
 * `exec` say of a run closed lately); for the name of every run kept, the
 * newest run and the newest closed run of that name, and the newest run
 * with a window (so that a command naming a run, or `confirm` naming none,
 * picks the run it picked before); and the owner of every step a kept run
 * holds, handed over to it (its undo reads the owner's records). A kept
 * owner's records of hand-overs to runs that move out (earlier holders) stay
 * in the segment only, unless the runs kept would then read otherwise (the
 * runs those hand-overs went to stay then). Nothing moves while a
 * confirmation window is open (its watchdog reads the file it holds), nor
 * while the journal has a problem (a garbled, inconsistent or newer record),
 * nor unless the runs kept fold, alone, to exactly the views they had in the
 * whole journal.
 *
 * @module
 */
import type { JournalProblem, ParsedJournal } from "./reader.ts";
import { foldRuns, isOpen, RECENT_WINDOW_MS, type RunView } from "./runs.ts";
import { markChecked, readMark, readMarkedFile, writeMark } from "./checked_mark.ts";
import { CHECKED_FILE, JOURNAL_FILE, SEGMENT_FILE_RE, segmentFile, segmentMarkFile } from "./paths.ts";
import type { JournalRecord } from "./records.ts";
import { isOsError } from "./os_error.ts";

/** How many runs of no more use the journal holds before a compaction moves them out. */
export const ARCHIVE_AT_RUNS = 50;

/** How many of the last closed runs a compaction keeps in the journal, whenever they closed. */
export const KEEP_CLOSED_RUNS = 10;

/** What a compaction does: the lines it keeps and the runs it moves out. */
export interface CompactionPlan {
  /** 1-based numbers of the journal's lines to keep (the runs kept, less hand-overs to runs that move out), ascending. */
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
  // While a window is open its watchdog reads the journal through the file it holds: nothing moves under it.
  if (runs.some((r) => isOpen(r) && r.confirm?.state === "pending")) return undefined;
  // "The last closed": by where each run's end stands in the journal, not by its time (a clock set back or ahead).
  const endsAt = new Map<string, number>();
  parsed.records.forEach((rec, i) => {
    if (rec.kind === "run-end") endsAt.set(rec.run, i);
  });
  const closed = runs.filter((r) => !isOpen(r)).sort((a, b) => (endsAt.get(a.id) ?? 0) - (endsAt.get(b.id) ?? 0));
  const last = new Set(closed.slice(Math.max(0, closed.length - limits.keepClosed)).map((r) => r.id));
  const stays = (r: RunView) => {
    if (isOpen(r) || last.has(r.id) || r.endedAt === undefined) return true;
    const age = now - Date.parse(r.endedAt);
    return !(age >= limits.recentMs); // NaN (an unreadable time) stays
  };
  const kept = new Set(runs.filter(stays).map((r) => r.id));
  // Then, until nothing more is added: the owner of every step a kept run holds (handed over to it: its undo reads
  // the owner's records); and what the commands that name a run pick among the runs (`closedRunCalled`,
  // `confirmable`) must not change: for the name of every run kept, the newest run of that name and the newest
  // closed one; and the newest run with a window (`confirm` without a name speaks of it).
  const window = runs.findLast((r) => r.confirm !== undefined);
  const complete = () => {
    for (let size = -1; size !== kept.size;) {
      size = kept.size;
      for (const r of runs) if (kept.has(r.id)) { for (const ref of r.inherited) kept.add(ref.run); }
      const labels = new Set(runs.filter((r) => kept.has(r.id)).map((r) => r.label));
      for (const label of labels) {
        const named = runs.filter((r) => r.label === label);
        kept.add(named.at(-1)!.id);
        const newestClosed = named.findLast((r) => !isOpen(r));
        if (newestClosed) kept.add(newestClosed.id);
      }
      if (window) kept.add(window.id);
    }
  };
  complete();
  // The lines kept: the records of the runs kept, but for a step's hand-over to a run that moves out (an earlier
  // holder of a step that went on to a later one, or back to nothing), which would name a run the journal no longer
  // has; the history keeps it (the segment). The runs kept must then read alone exactly as they read in the whole
  // journal; where they do not (a holder whose undo ended incomplete, which the dropped hand-over would leave holding
  // the step), the runs those hand-overs went to stay too, and it is tried again.
  for (;;) {
    const dropped = new Set<string>();
    const goes = (rec: JournalRecord) => {
      if (!kept.has(rec.run)) return true;
      if (rec.kind !== "step-undone" || rec.how !== "handed-over" || rec.to === undefined || kept.has(rec.to)) {
        return false;
      }
      dropped.add(rec.to);
      return true;
    };
    const keep = parsed.lines.filter((_, i) => !goes(parsed.records[i]));
    const archived = runs.filter((r) => !kept.has(r.id)).map((r) => r.id);
    if (archived.length < limits.atRuns) return undefined;
    const alone = foldRuns({ records: parsed.records.filter((r) => !goes(r)), lines: keep, problems: [] });
    const before = runs.filter((r) => kept.has(r.id));
    if (alone.orphanProblems.length === 0 && JSON.stringify(alone.runs) === JSON.stringify(before)) {
      return { keep, archived };
    }
    if (dropped.size === 0) return undefined;
    for (const id of dropped) kept.add(id);
    complete();
  }
}

/** The highest segment number {@link SEGMENT_FILE_RE} reads (nine digits): no compaction makes one beyond it. */
const MAX_SEGMENT = 999_999_999;

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
    const { ino, dev } = await Deno.lstat(path);
    const segments = segmentsOf(dir);
    const newest = segments.at(-1);
    if (!(newest && newest.ino === ino) && (newest?.n ?? 0) >= MAX_SEGMENT) return undefined;
    const n = newest && newest.ino === ino ? newest.n : (newest?.n ?? 0) + 1;
    const name = segmentFile(n);
    if (!(newest && newest.ino === ino)) await Deno.link(path, `${dir}/${name}`);
    // The journal's mark names this file (its identity and a prefix of its bytes, by their hash): it stays true of
    // the segment, to which nothing appends once the rename below is done, so `journal` reads the segment without
    // checking the records it covers (readHistory).
    const mark = await readMark(dir);
    if (mark && mark.dev === dev && mark.ino === ino) await writeMark(dir, mark, segmentMarkFile(n));
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
  /** Every record, in the order they were written. */
  records: JournalRecord[];
  /** The segments read, as file names, ascending. */
  segments: string[];
  /** What could not be read in a segment, with the segment's file name (the journal's own problems are its reader's). */
  problems: (JournalProblem & { file: string })[];
}

/**
 * The whole history of a state directory, for `nsrecipe journal`: the
 * archive segments, then the journal. Each file after the first begins with
 * the lines the compaction that made it kept of the file before (a
 * subsequence of them); the lines after those are the ones written since.
 * So the history is the first file, then what each later file adds: every
 * record once, in the order written, whatever the clock said. A segment
 * that is the journal itself (a compaction stopped before its rename) is
 * not read twice. Each file is read through its checked mark (a segment's
 * is the journal's mark as the compaction found it, `segmentMarkFile`):
 * only the records no mark covers are checked against their schemas (a
 * segment made before segments had marks, or whose mark does not fit, in
 * full).
 * A compaction that ends while the files are read (no lock is taken) is
 * seen by listing them again after the reads, which then start over.
 * @param dir The state directory.
 * @param live The journal's records as its reader read them: the history when there is no segment (nothing read).
 * @param between For tests only: runs once, after the first listing and before its reads (e.g. a compaction).
 * @returns The history.
 * @throws {Deno.errors.PermissionDenied} | {Error} When a file cannot be read.
 */
export async function readHistory(
  dir: string,
  live: readonly JournalRecord[],
  between?: () => Promise<void>,
): Promise<History> {
  // Read without the lock: a compaction that ends between the listing and the reads gives the journal's name to a
  // file of kept lines while the runs it moved out sit in a segment not listed. So the listing is taken again after
  // the reads, and the reads start over when it changed (a compaction comes at most once per `run`).
  for (let attempt = 1;; attempt++) {
    const listed = listFiles(dir);
    if (attempt === 1) await between?.();
    const history = listed.segments.length === 0
      ? { records: [...live], segments: [], problems: [] }
      : await readListed(dir, listed);
    if (attempt === HISTORY_READS || sameListing(listed, listFiles(dir))) return history;
  }
}

/** How many times {@link readHistory} reads the files before it gives what it read last. */
const HISTORY_READS = 5;

/** The files of a history, as listed at one moment. */
interface Listing {
  /** The segments that are not the journal itself (a compaction cut short), by number. */
  segments: Segment[];
  /** The journal's inode number; `undefined` when there is no journal (or no segment, when it is not looked at). */
  journal?: number;
}

/** The segments and the journal's identity now (readdir and lstat, no process). */
function listFiles(dir: string): Listing {
  let found: Segment[] = [];
  try {
    found = segmentsOf(dir);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory)) throw e;
  }
  if (found.length === 0) return { segments: [] };
  let journal: number | undefined;
  try {
    journal = Deno.lstatSync(`${dir}/${JOURNAL_FILE}`).ino ?? -1;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return { segments: found.filter((s) => s.ino !== journal), journal };
}

/** Whether two listings name the same files with the same identities. */
function sameListing(a: Listing, b: Listing): boolean {
  return a.journal === b.journal && a.segments.length === b.segments.length &&
    a.segments.every((s, i) => s.n === b.segments[i].n && s.ino === b.segments[i].ino);
}

/** The history from the files of a listing (see {@link readHistory}). */
async function readListed(dir: string, listed: Listing): Promise<History> {
  const files = [
    ...listed.segments.map((s) => [segmentFile(s.n), segmentMarkFile(s.n)]),
    ...(listed.journal !== undefined ? [[JOURNAL_FILE, CHECKED_FILE]] : []),
  ];
  const records: JournalRecord[] = [];
  const problems: History["problems"] = [];
  let before = new Set<string>();
  for (const [name, markName] of files) {
    // Renamed away meanwhile (read without the lock): nothing (the listing taken after the reads differs then).
    const parsed = await readMarkedFile(dir, name, markName) ?? { text: "", records: [], lines: [], problems: [] };
    const lines = parsed.text.split("\n").slice(0, -1);
    let copied = 0;
    while (copied < lines.length && before.has(lines[copied])) copied++;
    parsed.records.forEach((r, i) => {
      if (parsed.lines[i] > copied) records.push(r);
    });
    if (name !== JOURNAL_FILE) {
      for (const p of parsed.problems) if (p.line > copied) problems.push({ ...p, file: name });
    }
    before = new Set(lines);
  }
  return { records, segments: listed.segments.map((s) => segmentFile(s.n)), problems };
}
