/**
 * Parsing the journal file. Never throws on bad content: a torn last line
 * (a crash mid-write) is dropped and reported; a garbled record elsewhere or
 * one of a newer schema version is reported with its line number, and the
 * run it belongs to (when its id can be read) is marked unreadable so undo
 * will not act on it.
 *
 * @module
 */
import { JOURNAL_VERSION, type JournalRecord } from "./records.ts";
import { recordIssue } from "./schema.ts";

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
 * Parses journal text (JSON Lines). Each line must be a JSON object of a
 * supported schema version (`v`) and the shape of its `kind` (see
 * `schema.ts`); blank lines are ignored.
 *
 * @param text The whole file, UTF-8.
 * @returns Records and problems; an empty text gives no records and no problems.
 * @example
 * ```ts
 * import { parseJournal } from "./reader.ts";
 * const { records, problems } = parseJournal('{"v":1,"kind":"run-end","run":"r1","at":"","state":"undone"}\n{"v":1,"ki');
 * console.assert(records.length === 1 && problems[0].kind === "torn");
 * ```
 */
export function parseJournal(text: string): ParsedJournal {
  // The journal only grows by whole records (a torn tail is cut off before the next is written): text that
  // continues the text parsed last reuses that parse and checks only its new lines. A command reads the journal
  // several times (where it runs, expired windows, the runs to undo after each one), each read costing one check
  // of every record otherwise.
  const last = lastParse;
  if (last && text.length >= last.text.length && text.startsWith(last.text)) {
    if (text.length === last.text.length) return last.parsed;
    const more = parseLines(text.slice(last.text.length), last.lineCount);
    return remember(text, {
      records: [...last.parsed.records, ...more.records],
      lines: [...last.parsed.lines, ...more.lines],
      problems: [...last.parsed.problems, ...more.problems],
    });
  }
  return remember(text, parseLines(text, 0));
}

/** The last text {@link parseJournal} parsed in whole lines, its result and its number of lines. */
let lastParse: { text: string; parsed: ParsedJournal; lineCount: number } | undefined;

/**
 * Keeps a parse for the next call when its text ends with a newline (its
 * every line complete; a torn last line may still be completed, so a text
 * ending in one is not kept).
 */
function remember(text: string, parsed: ParsedJournal): ParsedJournal {
  if (text === "" || text.endsWith("\n")) {
    lastParse = { text, parsed, lineCount: text === "" ? 0 : text.split("\n").length - 1 };
  }
  return parsed;
}

/** Parses JSON Lines whose first line is line `before + 1` of the journal. */
function parseLines(text: string, before: number): ParsedJournal {
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
    const issue = recordIssue(r);
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
