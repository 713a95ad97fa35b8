/**
 * Output for humans and scripts: results on stdout (plain or `--json`),
 * progress and errors on stderr, colours only on a TTY and never when
 * `NO_COLOR` is set or `--no-color` given (decided once in `program.ts`;
 * node:util `styleText` only paints).
 *
 * @module
 */
import { styleText } from "node:util";

/** Colours nsrecipe uses. */
export type Tone = "red" | "green" | "yellow" | "dim" | "bold";

/** Writes results and progress. */
export class Output {
  /**
   * @param json Emit machine-readable JSON on stdout instead of text.
   * @param color Colours allowed (false for `--no-color`).
   * @param verbose Show every command run (`--verbose`).
   * @param resultsToStderr Send result lines to stderr too (for nested commands whose stdout is not theirs).
   */
  constructor(
    readonly json: boolean,
    readonly color: boolean,
    readonly verbose: boolean,
    readonly resultsToStderr = false,
  ) {}

  /**
   * Styles text for stderr when colours are allowed (the caller has already
   * checked `NO_COLOR`, `--no-color` and that stderr is a TTY).
   * @param tone The colour.
   * @param text The text.
   * @returns The styled (or plain) text.
   */
  paint(tone: Tone, text: string): string {
    if (!this.color) return text;
    return styleText(tone === "dim" ? "gray" : tone, text, { validateStream: false });
  }

  /**
   * A result line on stdout (suppressed in `--json` mode).
   * @param line The text.
   */
  result(line: string): void {
    if (this.json) return;
    if (this.resultsToStderr) console.error(line);
    else console.log(line);
  }

  /**
   * A JSON document on stdout (only in `--json` mode).
   * @param value Any JSON-serialisable value.
   */
  data(value: unknown): void {
    if (this.json) console.log(JSON.stringify(value, null, 2));
  }

  /**
   * A progress or warning line on stderr.
   * @param line The text.
   */
  progress(line: string): void {
    console.error(line);
  }
}
