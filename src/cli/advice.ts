/**
 * Advice that names an nsrecipe command ("Undo with: nsrecipe undo web",
 * "'nsrecipe confirm RUN' keeps it", "See 'nsrecipe status'") must work
 * when typed as printed: under a non-default `--state-dir` it repeats that
 * option, since the runs live there. Pure.
 *
 * @module
 */
import { DEFAULT_STATE_DIR } from "../journal/paths.ts";
import { shellQuote } from "../quote.ts";

/** The subcommands that read or change the state directory, after which advice needs `--state-dir`. */
const STATEFUL = /\bnsrecipe (?=(?:undo|confirm|status|journal|exec|shell|run)\b)/g;

/**
 * Adds `--state-dir DIR` to every stateful nsrecipe command a text advises.
 * @param text A message, hint or progress line.
 * @param stateDir The invocation's state directory; the default leaves the text as it is.
 * @returns e.g. `Undo with: nsrecipe --state-dir /run/nsrecipe/alt undo web`.
 */
export function adviseWithStateDir(text: string, stateDir: string | undefined): string {
  if (stateDir === undefined || stateDir === DEFAULT_STATE_DIR) return text;
  return text.replace(STATEFUL, `nsrecipe ${shellQuote(["--state-dir", stateDir])} `);
}
