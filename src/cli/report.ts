/**
 * How a failed invocation is told: on stderr (the message, then its hint) and
 * in the `--json` document; its exit code. Commander's own errors are told by
 * `program.ts`, which hands every other error here; nothing here imports
 * commander.
 *
 * @module
 */
import { EXIT, NsrecipeError } from "../errors.ts";
import { DEFAULT_STATE_DIR } from "../journal/paths.ts";
import { sanitize } from "../quote.ts";
import { adviseWithStateDir } from "./advice.ts";
import { type JsonError, Output } from "./output.ts";

/**
 * The `--state-dir` given in the arguments, else the default: `--state-dir
 * DIR` or `--state-dir=DIR` (commander and the fast path read both), before
 * the first `--` (what follows it is the command run inside, its words its own).
 * @param args nsrecipe's arguments.
 * @returns The state directory the advice names (the last given; a second one is refused anyway).
 */
export function stateDirOf(args: readonly string[]): string {
  let dir = DEFAULT_STATE_DIR;
  for (let i = 0; i < args.length && args[i] !== "--"; i++) {
    if (args[i] === "--state-dir" && i + 1 < args.length) dir = args[++i];
    else if (args[i].startsWith("--state-dir=")) dir = args[i].slice("--state-dir=".length);
  }
  return dir;
}

/**
 * Prints an error on stderr, as `nsrecipe: MESSAGE` and its hint (each
 * `nsrecipe CMD` advised names `--state-dir` when it is not the default).
 * @param e What a command threw: an {@link NsrecipeError}, Deno's NotCapable
 *   (a permission missing from deno.json: a bug), or anything else (a bug).
 * @param stateDir The invocation's state directory.
 * @returns The exit code: the error's own, else 1 (internal).
 */
export function reportError(e: unknown, stateDir: string): number {
  const print = (line: string) => console.error(sanitize(adviseWithStateDir(line, stateDir)));
  if (e instanceof NsrecipeError) {
    print(`nsrecipe: ${e.message}`);
    // Every line of the hint indented, a command of a multi-line fix (doctor's firewall rules) as the first.
    if (e.hint) print(`  ${e.hint.replaceAll("\n", "\n  ")}`);
    return e.exitCode;
  }
  if (e instanceof Deno.errors.NotCapable) {
    print(`nsrecipe: missing Deno permission (a bug in the permission set): ${e.message}`);
    return EXIT.internal;
  }
  console.error("nsrecipe: internal error (please report):", e);
  return EXIT.internal;
}

/**
 * An error as the `--json` document reports it.
 * @param e What {@link reportError} reported.
 * @returns Its class, message and hint (before the state directory's advice).
 */
export function errorDocument(e: unknown): JsonError {
  if (e instanceof NsrecipeError) return { kind: e.name, message: e.message, hint: e.hint };
  return { kind: "InternalError", message: String(e), hint: "Please report this." };
}

/**
 * Ends an invocation, however its command was parsed (the fast path or
 * commander): the failure's hint names the invocation's state directory, and
 * the output the command started (else a bare one, for a command that failed
 * before it had any) writes its `--json` document with the exit code.
 * @param out The command's output, `undefined` when it never started one.
 * @param json Whether `--json` was given.
 * @param code The exit code.
 * @param failure The error as the document reports it, `undefined` on success.
 * @param args nsrecipe's arguments (for the state directory, {@link stateDirOf}).
 * @returns `code`.
 */
export function finishInvocation(
  out: Output | undefined,
  json: boolean,
  code: number,
  failure: JsonError | undefined,
  args: readonly string[],
): number {
  if (failure?.hint) failure.hint = adviseWithStateDir(failure.hint, stateDirOf(args));
  (out ?? new Output(json, false, false)).finish(code, failure);
  return code;
}
