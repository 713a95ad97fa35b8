/**
 * Runs nsrecipe inside a lab on a pseudo-terminal (script(1)), typing the given input at it.
 *
 * @module
 */
import type { ExecResult } from "../../src/exec/mod.ts";
import { posixQuote } from "../../src/exec/mod.ts";
import { selfArgv } from "../../src/lab/mod.ts";
import type { TestLab } from "./lab.ts";

/**
 * Runs nsrecipe ARGS in the lab with a terminal as stdin, stdout and stderr.
 * script(1) merges the terminal's output (stdout and stderr, and the echo of
 * the input) into its stdout.
 *
 * @param lab The lab.
 * @param args nsrecipe arguments.
 * @param input Text typed at the terminal (then end of input).
 * @param env Extra environment for nsrecipe, e.g. `{ SHELL: "/bin/sh" }`.
 * @returns script's result: its exit code is nsrecipe's (`-e`).
 */
export function onTty(
  lab: TestLab,
  args: string[],
  input: string,
  env: Record<string, string> = {},
): Promise<ExecResult> {
  const vars = Object.entries(env).map(([k, v]) => `${k}=${posixQuote(v)}`);
  const cmd = [...(vars.length ? ["env", ...vars] : []), ...[...selfArgv(), ...args].map(posixQuote)].join(" ");
  return lab.sh(["script", "-qec", cmd, "/dev/null"], input);
}
