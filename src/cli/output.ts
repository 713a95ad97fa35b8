/**
 * Output for humans and scripts: results on stdout, progress and errors on
 * stderr; colours only on a stream that is a TTY, never when `NO_COLOR` is
 * set or `--no-color` given (decided once in `program.ts`; node:util
 * `styleText` only paints). With `--json`, stdout carries exactly one JSON
 * document per invocation, written at its end by {@link Output.finish}
 * (see {@link jsonDocument}).
 *
 * @module
 */
import { adviseWithStateDir } from "./advice.ts";
import { stripVTControlCharacters, styleText } from "node:util";

/** Colours nsrecipe uses. */
export type Tone = "red" | "green" | "yellow" | "dim" | "bold";

/** Which of nsrecipe's streams may carry colour. */
export interface StreamColours {
  /** stdout is a TTY and colours are allowed. */
  stdout: boolean;
  /** stderr is a TTY and colours are allowed. */
  stderr: boolean;
}

/** An expected failure as the JSON document reports it. */
export interface JsonError {
  /** The error class, e.g. `UsageError`, `PreconditionError`, `StepError`. */
  kind: string;
  /** The message nsrecipe printed on stderr. */
  message: string;
  /** What to do next; may be empty. */
  hint: string;
}

/**
 * Builds the one JSON document of an invocation. `exitCode` is the process's
 * exit code; `exitFrom` says whose it is: `"command"` when it is the exit
 * code of the command `run`/`exec` ran inside (the command ran, whatever it
 * returned), `"nsrecipe"` otherwise (then `ok` is `exitCode === 0`). This is
 * how a script tells a command that exited 3 from nsrecipe's "precondition
 * failed" (README.md, "Exit codes").
 *
 * @param exitCode The process exit code, 0–255.
 * @param data What the subcommand reported: an object whose keys are merged
 *   in, or an array (e.g. `list`), put under `items`.
 * @param error The failure, when nsrecipe failed.
 * @param exitFrom Whose exit code it is.
 * @returns The document, e.g. `{ ok: true, exitCode: 0, exitFrom: "nsrecipe", runs: [...] }`.
 */
export function jsonDocument(
  exitCode: number,
  data: unknown,
  error: JsonError | undefined,
  exitFrom: "nsrecipe" | "command",
): Record<string, unknown> {
  const fields = Array.isArray(data) ? { items: data } : (data ?? {}) as Record<string, unknown>;
  return {
    ok: error === undefined && (exitFrom === "command" || exitCode === 0),
    exitCode,
    exitFrom,
    ...(error ? { error } : {}),
    ...fields,
  };
}

/** Writes results and progress. */
export class Output {
  private document: unknown = undefined;
  private delegated = false;
  private commandExit = false;

  /**
   * @param json Emit one machine-readable JSON document on stdout instead of text.
   * @param colours Which streams may carry colour (`false` for none).
   * @param verbose Show every command run (`--verbose`).
   * @param resultsToStderr Send result lines to stderr too (for nested commands whose stdout is not theirs).
   */
  constructor(
    readonly json: boolean,
    colours: StreamColours | boolean,
    readonly verbose: boolean,
    readonly resultsToStderr = false,
  ) {
    this.colours = typeof colours === "boolean" ? { stdout: colours, stderr: colours } : colours;
  }

  /** Which streams may carry colour. */
  readonly colours: StreamColours;

  /** The invocation's `--state-dir`: advice printed through this output repeats it (see `advice.ts`). */
  stateDir: string | undefined = undefined;

  /** Whether any stream may carry colour (for nested outputs). */
  get color(): boolean {
    return this.colours.stdout || this.colours.stderr;
  }

  /**
   * Styles text when some stream may carry colour; {@link result} and
   * {@link progress} remove the styling again for a stream that may not.
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
    if (this.resultsToStderr) this.progress(line);
    else {
      const advised = adviseWithStateDir(line, this.stateDir);
      console.log(this.colours.stdout ? advised : stripVTControlCharacters(advised));
    }
  }

  /**
   * Records the result for the `--json` document (written once, by
   * {@link finish}): an object's keys are merged into what earlier calls
   * recorded; an array replaces it.
   * @param value Any JSON-serialisable value.
   */
  data(value: unknown): void {
    const plain = (v: unknown) => typeof v === "object" && v !== null && !Array.isArray(v);
    this.document = plain(value) && plain(this.document)
      ? { ...(this.document as object), ...(value as object) }
      : value;
  }

  /**
   * Marks the exit code as the command's own (`run -- CMD`, `exec`): the
   * document says `exitFrom: "command"`.
   */
  exitIsCommands(): void {
    this.commandExit = true;
  }

  /**
   * Leaves the document to a nested nsrecipe that this one started with
   * `--json` and whose stdout it shares (`lab -- ARGS`, `rehearse`).
   */
  delegateDocument(): void {
    this.delegated = true;
  }

  /**
   * Ends the invocation: with `--json`, writes its one document on stdout.
   * @param exitCode The process exit code.
   * @param error The failure, when nsrecipe failed.
   */
  finish(exitCode: number, error?: JsonError): void {
    if (!this.json || this.delegated) return;
    const from = this.commandExit && error === undefined ? "command" : "nsrecipe";
    console.log(JSON.stringify(jsonDocument(exitCode, this.document, error, from), null, 2));
  }

  /**
   * A progress or warning line on stderr. A stderr that is gone drops the
   * line instead of throwing: a terminal hung up (its SSH session lost) fails
   * every write with EIO (termios(3), "hangup"), and a rollback under way, one
   * line per step, must not stop for want of someone to read it (the journal
   * records what happened).
   * @param line The text.
   */
  progress(line: string): void {
    const advised = adviseWithStateDir(line, this.stateDir);
    try {
      console.error(this.colours.stderr ? advised : stripVTControlCharacters(advised));
    } catch {
      // Nobody to tell: see above.
    }
  }
}
