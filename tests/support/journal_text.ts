/**
 * The journal's reader for tests that build journal text by hand: the same
 * parse and check as `parseJournal` (`src/journal/reader.ts`), synchronous,
 * without the checked mark nor the memory of the last parse.
 * @module
 */
import { type ParsedJournal, parseLines } from "../../src/journal/reader.ts";
import { recordIssue } from "../../src/journal/schema.ts";

/**
 * Parses and checks journal text as nsrecipe reads its journal.
 * @param text JSON Lines, e.g. `'{"v":1,"kind":"run-end",…}\n'`.
 * @returns Records and problems.
 */
export function parseJournal(text: string): ParsedJournal {
  return parseLines(text, 0, recordIssue);
}
