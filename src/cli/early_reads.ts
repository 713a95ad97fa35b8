/**
 * The runner of `run`'s reads before its first change (the host look, its
 * own facts, `ip -V`, the which-checks, the plan's probes): up to the
 * run-begin record, the first write-ahead record (`engine/apply.ts`),
 * nothing on the host changes, so no command needs the shelter of a session
 * of its own from the terminal's Ctrl-C (src/cli/interrupt.ts), which costs
 * Deno a fork(2) of the whole nsrecipe process per start (composition root's
 * `readerFor`). From that record on, and for anything that may change the
 * host before it (the undo of an expired run, the watchdog's start), `run`
 * keeps `runnerFor`'s commands, each in a session of its own.
 *
 * The price: a Ctrl-C (SIGINT to the foreground process group, termios(3)),
 * or a SIGTERM or SIGHUP sent to the group, now ends a read in flight as well
 * as reaching nsrecipe. The read's failure must then be reported as the
 * interruption, never as a failed read or a refusal: a read that died of one
 * of {@link STOP_SIGNALS} waits (bounded) until nsrecipe's own listener has
 * seen a signal (Deno hands it to JavaScript from a thread of its own, maybe
 * after the read's end), so that `EarlyStop.check` and `EarlyStop.within`
 * find it.
 *
 * @module
 */
import { exitCodeOfSignal, type Runner } from "../exec/mod.ts";
import { CommandError } from "../errors.ts";
import { earlyStopSeen, STOP_SIGNALS } from "./interrupt.ts";

/**
 * How long a read that died of a stop signal waits for nsrecipe's own
 * listener to see one, in ms. The listener is told within milliseconds when
 * the signal went to the whole process group; the bound is reached only when
 * the read alone was signalled, which then fails as any read.
 */
export const SIGNAL_SEEN_WITHIN_MS = 2_000;

/** Exit codes of a command killed by one of {@link STOP_SIGNALS} (128 + N). */
const STOP_EXITS: ReadonlySet<number> = new Set(STOP_SIGNALS.map(exitCodeOfSignal));

/**
 * The runner of the reads before the first change: `read` (commands in
 * nsrecipe's session), where a command killed by SIGINT, SIGTERM or SIGHUP
 * ends (returns or throws) only once a listener of `catchEarlyStop` has seen
 * a signal, at most {@link SIGNAL_SEEN_WITHIN_MS} later. The CLI's reads
 * ahead (`globals.ts`) use it too: they may still be in flight once `run`
 * catches the signals. One that dies of the process group's signal before
 * then dies with nsrecipe (no listener: the default action).
 * @param read The reader (composition root's `readerFor`).
 * @returns The runner; it throws what `read` throws.
 */
export function earlyReader(read: Runner): Runner {
  const seen = async (code: number) => {
    if (STOP_EXITS.has(code)) await earlyStopSeen(SIGNAL_SEEN_WITHIN_MS);
  };
  return async (argv, opts) => {
    try {
      const result = await read(argv, opts);
      await seen(result.code);
      return result;
    } catch (e) {
      if (e instanceof CommandError) await seen(e.code);
      throw e;
    }
  };
}
