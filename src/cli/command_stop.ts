/**
 * What `run -- CMD` and `exec NAME -- CMD` do with a SIGTERM while the
 * command runs (a `timeout`, a supervisor's stop, `kill`): it is passed on to
 * the command, which is killed if it has not ended
 * {@link COMMAND_STOP_GRACE_MS} later (see `TermForwarding` in
 * `src/exec/runner.ts` for why it needs both), each said on stderr. The
 * command's end is then an end like any other: its exit code is nsrecipe's,
 * and `--rm` undoes the run.
 *
 * @module
 */
import type { TermEvent, TermForwarding } from "../exec/mod.ts";
import type { Output } from "./output.ts";

/** How long a command has to end after the SIGTERM passed on to it before it is killed, in ms (as `docker stop`). */
export const COMMAND_STOP_GRACE_MS = 10_000;

/**
 * The line that says what was done with a SIGTERM (pure).
 * @param e What was done.
 * @returns e.g. `SIGTERM: passed on to the command (pid 42); it is killed (SIGKILL) unless it ends within 10 s.`
 */
export function termLine(e: TermEvent): string {
  const s = `${Math.round(e.graceMs / 1000)} s`;
  return e.kind === "passed"
    ? `SIGTERM: passed on to the command (pid ${e.pid}); it is killed (SIGKILL) unless it ends within ${s}.`
    : `The command had not ended ${s} after SIGTERM: killed (SIGKILL), with every process of its PID namespace.`;
}

/**
 * SIGTERM forwarding for a command `run` or `exec` starts, told on stderr.
 * @param out The output (its progress stream, stderr).
 * @returns The option for `Processes.interactive`.
 */
export function termForwarding(out: Output): TermForwarding {
  return {
    graceMs: COMMAND_STOP_GRACE_MS,
    tell: (e) => out.progress(out.paint("yellow", termLine(e))),
  };
}
