/**
 * Parsing the journal file. Never throws on bad content: a torn last line
 * (a crash mid-write) is dropped and reported; a garbled record elsewhere or
 * one of a newer schema version is reported with its line number, and the
 * run it belongs to (when its id can be read) is marked unreadable so undo
 * will not act on it.
 *
 * @module
 */
import { isStepKind } from "../steps/mod.ts";
import { JOURNAL_VERSION, type JournalRecord } from "./records.ts";

/** A problem found while reading the journal. */
export interface JournalProblem {
  /** 1-based line number. */
  line: number;
  /** `torn` (last line cut short: tolerated), `garbled` or `newer-version`. */
  kind: "torn" | "garbled" | "newer-version";
  /** The run id, when it could be read from the damaged line. */
  run?: string;
  /** Readable description. */
  message: string;
}

/** The journal's records in file order, plus the problems met. */
export interface ParsedJournal {
  records: JournalRecord[];
  problems: JournalProblem[];
}

const KINDS = new Set([
  "run-begin",
  "step-intent",
  "step-done",
  "step-failed",
  "step-undone",
  "step-undo-failed",
  "run-end",
  "confirm-wait",
  "run-confirmed",
  "confirm-expired",
]);

function wellFormed(r: Record<string, unknown>): boolean {
  if (typeof r.run !== "string" || typeof r.kind !== "string" || !KINDS.has(r.kind)) return false;
  if (r.kind === "run-begin") {
    return Array.isArray(r.steps) &&
      r.steps.every((s) => typeof s === "object" && s !== null && isStepKind(String((s as { kind?: unknown }).kind))) &&
      Array.isArray(r.uses) && typeof r.label === "string" && typeof r.recipe === "string";
  }
  if (r.kind === "run-end") return typeof r.state === "string";
  if (r.kind === "confirm-wait") return typeof r.deadline === "number" && typeof r.watchdogPid === "number";
  if (r.kind === "run-confirmed") return r.by === "tty" || r.by === "command";
  if (r.kind === "confirm-expired") return true;
  return typeof r.index === "number" && Number.isInteger(r.index) && r.index >= 0;
}

/**
 * Parses journal text (JSON Lines).
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
  const records: JournalRecord[] = [];
  const problems: JournalProblem[] = [];
  const lines = text.split("\n");
  const tornTail = lines.at(-1) !== "";
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const isLast = i === lines.length - 1;
    const runId = /"run"\s*:\s*"([^"\\]{1,64})"/.exec(line)?.[1];
    if (isLast && tornTail) {
      problems.push({
        line: i + 1,
        kind: "torn",
        run: runId,
        message: `Line ${i + 1} is an incomplete record (a write was cut short, e.g. by a crash); it was ignored`,
      });
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.push({ line: i + 1, kind: "garbled", run: runId, message: `Line ${i + 1} is not valid JSON` });
      return;
    }
    const r = value as Record<string, unknown>;
    if (typeof r !== "object" || r === null || typeof r.v !== "number") {
      problems.push({ line: i + 1, kind: "garbled", run: runId, message: `Line ${i + 1} is not a journal record` });
      return;
    }
    if (r.v > JOURNAL_VERSION) {
      problems.push({
        line: i + 1,
        kind: "newer-version",
        run: runId,
        message: `Line ${
          i + 1
        } was written by a newer nsrecipe (record version ${r.v}, this build reads ${JOURNAL_VERSION})`,
      });
      return;
    }
    if (!wellFormed(r)) {
      problems.push({
        line: i + 1,
        kind: "garbled",
        run: runId,
        message: `Line ${i + 1} is a malformed ${String(r.kind)} record`,
      });
      return;
    }
    records.push(r as unknown as JournalRecord);
  });
  return { records, problems };
}
