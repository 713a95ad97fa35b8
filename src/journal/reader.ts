/**
 * Parsing the journal file. Never throws on bad content: a torn last line
 * (a crash mid-write) is dropped and reported; a garbled record elsewhere or
 * one of a newer schema version is reported with its line number, and the
 * run it belongs to (when its id can be read) is marked unreadable so undo
 * will not act on it.
 *
 * Checking a record's shape takes zod (`schema.ts`), which costs a process
 * more to load than most commands spend on anything else; this module does
 * not import it: {@link parseJournal} loads it only when a line needs a
 * check, and lines of a prefix already checked (the checked mark,
 * `checked_mark.ts`) are only `JSON.parse`d.
 *
 * @module
 */
import { JOURNAL_VERSION, type JournalRecord } from "./records.ts";

/** A problem found while reading the journal. */
export interface JournalProblem {
  /** 1-based line number. */
  line: number;
  /**
   * `torn` (last line cut short by a crash: tolerated), `garbled` (not a
   * well-formed record), `newer-version` (written by a newer nsrecipe), or
   * `inconsistent` (a well-formed record that contradicts the others, e.g.
   * refers to a run that never began).
   */
  kind: "torn" | "garbled" | "newer-version" | "inconsistent";
  /** The run id, when it could be read from the damaged line. */
  run?: string;
  /** Readable description, starting with the line number. */
  message: string;
}

/** The journal's records in file order, plus the problems met. */
export interface ParsedJournal {
  /** The well-formed records, in file order. */
  records: JournalRecord[];
  /** 1-based line number of each record in `records`. */
  lines: number[];
  /** What could not be read, in file order. */
  problems: JournalProblem[];
}

/**
 * The shape check of one record: `recordIssue` of `schema.ts`.
 * @param value One JSON-parsed line: an object whose `v` is a number no
 *   greater than {@link JOURNAL_VERSION}.
 * @returns `undefined` when well formed, else what is wrong (`PATH: MESSAGE`).
 */
export type RecordCheck = (value: Record<string, unknown>) => string | undefined;

/**
 * A prefix of the journal text that an earlier check may have covered (the
 * checked mark): its lines, when {@link CheckedPrefix.problems} confirms
 * it, are only `JSON.parse`d.
 */
export interface CheckedPrefix {
  /** Its length in UTF-16 code units (`string.length`); it ends with a newline. */
  chars: number;
  /**
   * Confirms that the prefix is what was checked (a hash of its bytes, for
   * the mark) and gives the problems that check reported in it
   * (`garbled`, `newer-version`, in line order); `undefined` when it is not
   * what was checked. Called only when the prefix reaches beyond what the
   * last parse covers, so a prefix already parsed costs no hash.
   */
  problems: () => Promise<readonly JournalProblem[] | undefined>;
}

/**
 * Parses journal text (JSON Lines). Each line must be a JSON object of a
 * supported schema version (`v`) and the shape of its `kind` (see
 * `schema.ts`, loaded on the first line that needs it); blank lines are
 * ignored. The result is the same with or without `checked`, as long as
 * `checked` is what a check of that prefix gave (`checked_mark.ts` makes
 * sure of that).
 *
 * @param text The whole file, UTF-8 decoded.
 * @param checked A prefix of `text` that may have been checked already
 *   (see {@link CheckedPrefix}); its lines are not checked again.
 * @returns Records and problems; an empty text gives no records and no problems.
 * @example
 * ```ts
 * import { parseJournal } from "./reader.ts";
 * const { records, problems } = await parseJournal('{"v":1,"kind":"run-end","run":"r1","at":"","state":"undone"}\n{"v":1,"ki');
 * console.assert(records.length === 1 && problems[0].kind === "torn");
 * ```
 */
export async function parseJournal(
  text: string,
  checked?: CheckedPrefix,
): Promise<ParsedJournal> {
  // The journal only grows by whole records (a torn tail is cut off before the next is written): text that
  // continues the text parsed last reuses that parse and parses only its new lines. A command reads the journal
  // several times (where it runs, expired windows, the runs to undo after each one).
  const last = lastParse;
  const known = last && text.length >= last.text.length && text.startsWith(last.text)
    ? last
    : { text: "", parsed: { records: [], lines: [], problems: [] }, lineCount: 0 };
  if (text.length === known.text.length) return known.parsed;
  const parts: ParsedJournal[] = [known.parsed];
  let at = known.text.length;
  let lineCount = known.lineCount;
  const problems = checked && checked.chars > at && checked.chars <= text.length ? await checked.problems() : undefined;
  if (checked && problems) {
    const head = text.slice(at, checked.chars);
    const trusted = trustedLines(head, lineCount, problems);
    // A prefix that does not read as its check said (cannot happen for a mark that matched) is checked again.
    if (trusted) {
      parts.push(trusted);
      at = checked.chars;
      lineCount += newlines(head);
    }
  }
  const rest = text.slice(at);
  const check = /\S/.test(rest) ? (await import("./schema.ts")).recordIssue : () => undefined;
  parts.push(parseLines(rest, lineCount, check));
  return remember(text, {
    records: parts.flatMap((p) => p.records),
    lines: parts.flatMap((p) => p.lines),
    problems: parts.flatMap((p) => p.problems),
  });
}

/** The last text {@link parseJournal} parsed in whole lines, its result and its number of lines. */
let lastParse: { text: string; parsed: ParsedJournal; lineCount: number } | undefined;

/**
 * Keeps a parse for the next call when its text ends with a newline (its
 * every line complete; a torn last line may still be completed, so a text
 * ending in one is not kept).
 */
function remember(text: string, parsed: ParsedJournal): ParsedJournal {
  if (text === "" || text.endsWith("\n")) lastParse = { text, parsed, lineCount: newlines(text) };
  return parsed;
}

/** How many newlines `text` holds. */
function newlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/**
 * The lines of a checked prefix, `JSON.parse`d only: every non-blank line
 * is a record but those `problems` name.
 * @returns `undefined` when the prefix does not read so (a problem on a blank
 *   line or beyond the prefix, a record line that is not a JSON object).
 */
function trustedLines(text: string, before: number, problems: readonly JournalProblem[]): ParsedJournal | undefined {
  const all = text.split("\n");
  if (all.at(-1) !== "") return undefined;
  // Those before `before` belong to the part already parsed (the last parse, see `lastParse`).
  const mine = problems.filter((p) => p.line > before);
  const skip = new Set(mine.map((p) => p.line));
  const records: JournalRecord[] = [];
  const lines: number[] = [];
  if (mine.some((p) => (all[p.line - before - 1] ?? "").trim() === "")) return undefined;
  for (let i = 0; i < all.length; i++) {
    const n = before + i + 1;
    if (all[i].trim() === "" || skip.has(n)) continue;
    let value: unknown;
    try {
      value = JSON.parse(all[i]);
    } catch {
      return undefined;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
    records.push(value as JournalRecord);
    lines.push(n);
  }
  return { records, lines, problems: mine };
}

/**
 * Parses and checks JSON Lines whose first line is line `before + 1` of the
 * journal: the check every line gets that no earlier check covers.
 *
 * @param text Some whole lines of the journal, possibly followed by a torn one.
 * @param before How many lines come before `text` in the journal.
 * @param check The shape check (`recordIssue` of `schema.ts`).
 * @returns Records and problems, numbered by their lines in the whole journal.
 * @example
 * ```ts ignore
 * import { recordIssue } from "./schema.ts";
 * parseLines(text, 0, recordIssue);
 * ```
 */
export function parseLines(text: string, before: number, check: RecordCheck): ParsedJournal {
  const records: JournalRecord[] = [];
  const lines: number[] = [];
  const problems: JournalProblem[] = [];
  const all = text.split("\n");
  const tornTail = all.at(-1) !== "";
  all.forEach((line, i) => {
    if (line.trim() === "") return;
    const n = before + i + 1;
    const isLast = i === all.length - 1;
    const runId = /"run"\s*:\s*"([A-Za-z0-9_.:-]{1,64})"/.exec(line)?.[1];
    if (isLast && tornTail) {
      problems.push({
        line: n,
        kind: "torn",
        run: runId,
        message: `Line ${n} is an incomplete record (a write was cut short, e.g. by a crash); it was ignored`,
      });
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.push({ line: n, kind: "garbled", run: runId, message: `Line ${n} is not valid JSON` });
      return;
    }
    const r = value as Record<string, unknown>;
    if (typeof r !== "object" || r === null || Array.isArray(r) || typeof r.v !== "number") {
      problems.push({ line: n, kind: "garbled", run: runId, message: `Line ${n} is not a journal record` });
      return;
    }
    const ownRun = typeof r.run === "string" && /^[A-Za-z0-9_.:-]{1,64}$/.test(r.run) ? r.run : undefined;
    if (r.v > JOURNAL_VERSION) {
      problems.push({
        line: n,
        kind: "newer-version",
        run: ownRun,
        message:
          `Line ${n} was written by a newer nsrecipe (record version ${r.v}, this build reads ${JOURNAL_VERSION})`,
      });
      return;
    }
    const issue = check(r);
    if (issue) {
      problems.push({
        line: n,
        kind: "garbled",
        run: ownRun,
        message: `Line ${n} is a malformed ${
          typeof r.kind === "string" ? JSON.stringify(r.kind).slice(0, 40) : "(no kind)"
        } record (${issue})`,
      });
      return;
    }
    records.push(r as unknown as JournalRecord);
    lines.push(n);
  });
  return { records, lines, problems };
}
