/**
 * The journal's checked mark: a small file beside the journal
 * (`journal.checked`) saying how far an earlier nsrecipe checked the
 * journal's records against their schemas and what it found there, so that
 * the next one only `JSON.parse`s those lines and checks (and loads zod for)
 * the records written since, if any.
 *
 * The check of a line is a function of its bytes and of the schemas alone.
 * So the mark names exactly the bytes it covers, by their SHA-256, and the
 * schemas, by {@link CHECK_FINGERPRINT}; a reader trusts it only when the
 * journal's first `bytes` bytes hash the same. Any change of the checked
 * part (a record edited, garbled, cut or replaced, of the same size or not,
 * the file truncated or rewritten) fails that test, and the journal is
 * checked in full as without a mark. The journal file's identity (device
 * and inode) must match too, so a journal put in the place of another is
 * never read through the other's mark (and costs no hash). The problems the
 * check found in the covered part (garbled lines, records of a newer
 * version) are kept in the mark and reported exactly as a check reports
 * them; a torn last line is never covered (the mark ends at a newline).
 *
 * Only a process holding the journal's lock writes the mark
 * (`Journal.checkpoint`): it writes a new file and renames it over the old
 * one (`rename(2)` replaces it atomically), so a reader without the lock
 * reads a whole mark, the old or the new. The mark is not synced to disk: a
 * mark lost or cut short by a crash reads as no mark, and one left behind
 * by a crash does not match the journal's bytes unless it describes them
 * truly.
 *
 * @module
 */
import { CHECKED_FILE, JOURNAL_FILE } from "./paths.ts";
import { type JournalProblem, type ParsedJournal, parseJournal } from "./reader.ts";
import { JOURNAL_VERSION, RECORD_SCHEMA_REVISION } from "./records.ts";
import { isOsError } from "./os_error.ts";

/**
 * What a mark must name for this build to trust it: the mark's own format,
 * the record version and the schema revision (see `RECORD_SCHEMA_REVISION`).
 */
export const CHECK_FINGERPRINT = `mark-1/journal-${JOURNAL_VERSION}/schema-${RECORD_SCHEMA_REVISION}`;

/** The checked mark's content (JSON). */
export interface CheckedMark {
  /** {@link CHECK_FINGERPRINT} of the build that checked. */
  check: string;
  /** Device number of the journal file checked (`stat(2)` `st_dev`). */
  dev: number;
  /** Inode number of the journal file checked (`st_ino`). */
  ino: number;
  /** How many bytes from its start were checked: whole lines, ending with a newline. */
  bytes: number;
  /** SHA-256 of those bytes, lower-case hex. */
  sha256: string;
  /** The problems the check found in them (`garbled`, `newer-version`), in line order. */
  problems: JournalProblem[];
}

/** A parse of the journal file, with the bytes after its last newline. */
export interface JournalRead extends ParsedJournal {
  /** The text after the last newline (a record being written, or one cut short); `""` when none. */
  incomplete: string;
}

/**
 * Reads the journal file of a state directory and parses it, checking only
 * the lines its checked mark does not cover. The mark is read before the
 * journal: the journal only grows by whole records while the mark, written
 * under the lock, names a prefix of what was there, so a reader without the
 * lock never reads a mark ahead of the journal it reads.
 *
 * @param dir The state directory (already checked as the caller's mode requires).
 * @param options `tail`: `drop` leaves the bytes after the last newline out
 *   of the parse (returned as `incomplete`), `parse` parses them too (a torn
 *   line); `advance`: write a new mark covering every complete line, for a
 *   caller holding the journal's lock only.
 * @returns The parse; `undefined` when there is no journal file.
 * @throws {Deno.errors.PermissionDenied} | {Error} When the journal cannot be
 *   read; a mark that cannot be read or written is ignored instead.
 */
export async function readJournalFile(
  dir: string,
  options: { tail: "drop" | "parse"; advance: boolean },
): Promise<JournalRead | undefined> {
  const read = await readThroughMark(dir, JOURNAL_FILE, CHECKED_FILE, options.tail);
  if (!read) return undefined;
  const { parsed, incomplete, bytes, dev, ino, whole, mark, cut } = read;
  if (options.advance && ino !== null && whole > 0) {
    const checked: CheckedMark = {
      check: CHECK_FINGERPRINT,
      dev,
      ino,
      bytes: whole,
      sha256: await sha256(bytes.subarray(0, whole)),
      problems: parsed.problems.filter((p) => p.kind !== "torn"),
    };
    // A mark that names these very bytes stays; one of the same length but other bytes (edited in place) is replaced.
    if (!mark || cut !== whole || checked.sha256 !== mark.sha256) await writeMark(dir, checked);
  }
  return { ...parsed, incomplete };
}

/**
 * Reads an archive segment (or the journal) of a state directory for the
 * history (`compaction.ts`), checking only the lines the mark named does not
 * cover: the segment's own mark, copied from the journal's when the
 * compaction gave the journal file its segment name (nothing appends to a
 * segment once the journal's name is on the new file), trusted on the same
 * terms as the journal's (identity, SHA-256 of the bytes covered,
 * fingerprint): what it does not cover is checked (a segment without a
 * mark, or whose mark does not fit, in full). The bytes after the last
 * newline are left out. Like the journal's, a mark is written once and
 * trusted while it fits: a segment whose mark stops fitting (copied to
 * another filesystem, read by a build with another record schema) is
 * checked in full at every read.
 * @param dir The state directory.
 * @param file The file's name in it, e.g. `journal.archive-3.jsonl`.
 * @param markName Its mark's name, e.g. `journal.archive-3.checked` (`segmentMarkFile`).
 * @returns The parse and the text parsed (whole lines); `undefined` when the file does not exist.
 * @throws {Deno.errors.PermissionDenied} | {Error} When the file cannot be read, or its mark cannot be read for
 *   another reason than its absence or a refused permission (`readMark`: a mark that is absent, refused, not a
 *   regular file or not a well-formed mark is no mark).
 */
export async function readMarkedFile(
  dir: string,
  file: string,
  markName: string,
): Promise<(ParsedJournal & { text: string }) | undefined> {
  const read = await readThroughMark(dir, file, markName, "drop");
  return read && { ...read.parsed, text: read.text };
}

/** What {@link readThroughMark} read: the parse, the file's bytes and identity, and the mark it trusted, if any. */
interface MarkedRead {
  parsed: ParsedJournal;
  /** The whole lines parsed, decoded. */
  text: string;
  incomplete: string;
  bytes: Uint8Array;
  dev: number;
  ino: number | null;
  /** The length of the whole lines, in bytes. */
  whole: number;
  /** The mark, when it fits the file (its hash is checked by the parse). */
  mark?: CheckedMark;
  /** How many bytes the fitting mark covers; 0 when none fits. */
  cut: number;
}

/**
 * Reads a file of JSON Lines records through its mark (see the module doc): the mark is read before the file.
 * @returns `undefined` when the file does not exist.
 */
async function readThroughMark(
  dir: string,
  name: string,
  markName: string,
  tail: "drop" | "parse",
): Promise<MarkedRead | undefined> {
  const mark = await readMark(dir, markName);
  const file = await readWhole(`${dir}/${name}`);
  if (!file) return undefined;
  const { bytes, dev, ino } = file;
  const whole = bytes.lastIndexOf(0x0a) + 1;
  const fits = mark !== undefined && ino !== null && mark.check === CHECK_FINGERPRINT && mark.dev === dev &&
    mark.ino === ino && mark.bytes > 0 && mark.bytes <= whole && bytes[mark.bytes - 1] === 0x0a;
  const cut = fits ? mark.bytes : 0;
  // Decoded in two parts so the mark's prefix has its own length in characters; both parts end at a newline, where
  // no UTF-8 sequence can be split. `ignoreBOM`: a BOM is kept, as `Deno.readTextFile` keeps it (a garbled line).
  const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
  const head = decoder.decode(bytes.subarray(0, cut));
  const body = decoder.decode(bytes.subarray(cut, whole));
  const incomplete = decoder.decode(bytes.subarray(whole));
  const text = head + body + (tail === "parse" ? incomplete : "");
  const parsed = await parseJournal(
    text,
    fits
      ? {
        chars: head.length,
        problems: async () => await sha256(bytes.subarray(0, cut)) === mark.sha256 ? mark.problems : undefined,
      }
      : undefined,
  );
  return { parsed, text: head + body, incomplete, bytes, dev, ino, whole, mark: fits ? mark : undefined, cut };
}

/**
 * Writes the mark of a journal file whose every record was checked and found
 * well formed (`compaction.ts`: the lines it keeps, all under the mark or
 * checked by the process holding the lock), before that file takes the
 * journal's name: the mark names its identity, so no reader trusts it for
 * another file meanwhile. Only under the journal's lock.
 * @param dir The state directory.
 * @param bytes The file's whole content: complete lines.
 * @param file The file's identity (`stat(2)` `st_dev`, `st_ino`).
 * @throws {Error} Only for what is not an operating system's refusal (see {@link writeMark}).
 */
export async function markChecked(dir: string, bytes: Uint8Array, file: { dev: number; ino: number }): Promise<void> {
  await writeMark(dir, {
    check: CHECK_FINGERPRINT,
    dev: file.dev,
    ino: file.ino,
    bytes: bytes.length,
    sha256: await sha256(bytes),
    problems: [],
  });
}

/** The bytes of a file and its identity, read through one descriptor; `undefined` when it does not exist. */
async function readWhole(path: string): Promise<{ bytes: Uint8Array; dev: number; ino: number | null } | undefined> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
  try {
    const info = await file.stat();
    const chunks: Uint8Array[] = [];
    let total = 0;
    // Read to the end (the file may grow while it is read: a writer appends without waiting for readers).
    for (let buf = new Uint8Array(Math.max(info.size + 1, 64 * 1024));;) {
      const n = await file.read(buf.subarray(0));
      if (n === null) break;
      chunks.push(buf.slice(0, n));
      total += n;
      if (n === buf.length) buf = new Uint8Array(buf.length * 2);
    }
    const bytes = chunks.length === 1 ? chunks[0] : new Uint8Array(total);
    if (chunks.length !== 1) {
      let at = 0;
      for (const c of chunks) {
        bytes.set(c, at);
        at += c.length;
      }
    }
    return { bytes, dev: info.dev, ino: info.ino };
  } finally {
    file.close();
  }
}

/** SHA-256 of some bytes, lower-case hex. */
async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The checked mark of a state directory, or `undefined` when there is none
 * or it is not a well-formed mark (a symbolic link or special file, not
 * JSON, a field missing or out of range): an unusable mark is no mark.
 * @param dir The state directory.
 * @param name The mark's file name: the journal's (`journal.checked`, the default) or a segment's (`segmentMarkFile`).
 * @returns The mark as written; whether it fits the file is for the caller to decide.
 */
export async function readMark(dir: string, name: string = CHECKED_FILE): Promise<CheckedMark | undefined> {
  const path = `${dir}/${name}`;
  let text: string;
  try {
    const info = await Deno.lstat(path);
    if (!info.isFile || info.size > 1024 * 1024) return undefined;
    text = await Deno.readTextFile(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.PermissionDenied) return undefined;
    throw e;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  return asMark(value);
}

/** `value` as a mark when it is one in every field, else `undefined`. */
function asMark(value: unknown): CheckedMark | undefined {
  const m = value as Partial<Record<keyof CheckedMark, unknown>>;
  const count = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
  if (
    typeof m !== "object" || m === null || typeof m.check !== "string" || !count(m.dev) || !count(m.ino) ||
    !count(m.bytes) || typeof m.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(m.sha256) || !Array.isArray(m.problems)
  ) return undefined;
  let line = 0;
  for (const p of m.problems as Partial<Record<keyof JournalProblem, unknown>>[]) {
    if (
      typeof p !== "object" || p === null || !count(p.line) || p.line <= line ||
      (p.kind !== "garbled" && p.kind !== "newer-version") || typeof p.message !== "string" ||
      (p.run !== undefined && typeof p.run !== "string")
    ) return undefined;
    line = p.line;
  }
  // Each problem as the check makes it, with its `run` key even when JSON dropped it (`undefined`).
  const problems = (m.problems as JournalProblem[]).map(({ line, kind, run, message }) => ({
    line,
    kind,
    run,
    message,
  }));
  return { ...(m as CheckedMark), problems };
}

/**
 * Replaces a checked mark: writes `NAME.tmp` (created afresh, mode 0600,
 * never through an existing file or link) and renames it over `NAME`
 * (`journal.checked` by default). Only under the journal's lock, so no two
 * processes write it at once. The mark only saves work: when the system
 * refuses (a read-only or full filesystem), the old mark stays and this
 * says nothing.
 * @param dir The state directory.
 * @param mark What was checked.
 * @param name The mark's file name: the journal's (the default) or a segment's (`segmentMarkFile`).
 * @throws {Error} Only for what is not an operating system's refusal (a bug, a missing Deno permission).
 */
export async function writeMark(dir: string, mark: CheckedMark, name: string = CHECKED_FILE): Promise<void> {
  const tmp = `${dir}/${name}.tmp`;
  try {
    await Deno.remove(tmp).catch((e) => {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    });
    await Deno.writeTextFile(tmp, JSON.stringify(mark) + "\n", { createNew: true, mode: 0o600 });
    await Deno.rename(tmp, `${dir}/${name}`);
  } catch (e) {
    if (!isOsError(e)) throw e;
  }
}
