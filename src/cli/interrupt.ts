/**
 * Signals while `run` applies its plan: SIGINT (Ctrl-C), SIGTERM and SIGHUP
 * no longer end nsrecipe in the middle of a step or of a journal write; they
 * ask it to stop, and the engine, between steps, rolls back every step done
 * (`EngineDeps.stopRequested`, `engine/apply.ts`). A second signal while that
 * rollback runs is ignored, with a line saying so. SIGKILL, which cannot be
 * caught (signal(7)), remains the hard stop; `nsrecipe undo` recovers from it.
 *
 * Ctrl-C and a terminal's hangup signal the whole foreground process group
 * (termios(3), ISIG; credentials(7)); the commands a step runs are not in it
 * (`src/exec/runner.ts` starts captured commands in a session of their own),
 * so the step in flight finishes as planned instead of dying half done.
 *
 * During `undo` ({@link ignoreStopSignals}) the same signals are ignored, each
 * with a line: an undo stopped half way leaves the host half switched back.
 *
 * Outside {@link catchStopSignals}…{@link StopSignals.dispose} the signals act
 * as before: Deno restores their default action once the last listener is
 * removed (nsrecipe ends, exit 128 + the signal's number).
 *
 * @module
 */
import { InterruptedError } from "../errors.ts";
import type { Output } from "./output.ts";
import type { StopSignal } from "../journal/mod.ts";

/** The signals that ask `run` to stop (signal(7)). */
export const STOP_SIGNALS: readonly StopSignal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** A request to stop, caught while `run` applies (see {@link catchStopSignals}). */
export interface StopSignals {
  /** The first signal received, e.g. `SIGINT`; `undefined` while none was. */
  requested(): Deno.Signal | undefined;
  /** Removes the listeners: the signals act as before. Idempotent. */
  dispose(): void;
}

/**
 * Catches SIGINT, SIGTERM and SIGHUP until {@link StopSignals.dispose}: the
 * first says that run `runId` is rolled back once the step in progress is
 * finished; any later one says that it is ignored and the rollback goes on.
 * Lines go to stderr ({@link Output.progress}, which drops them when a hangup
 * took the terminal away).
 * @param runId The run being applied, named in those lines.
 * @param out The output.
 * @returns The request's state.
 */
export function catchStopSignals(runId: string, out: Output): StopSignals {
  let first: Deno.Signal | undefined;
  const say = (line: string) => out.progress(out.paint("yellow", line));
  const dispose = listenStopSignals((signal) => {
    if (first === undefined) {
      first = signal;
      say(`Interrupted (${signal}): rolling back run ${runId} once the step in progress is finished…`);
    } else {
      say(`${signal} ignored: the rollback of run ${runId} goes on (a SIGKILL would leave it half done).`);
    }
  });
  return { requested: () => first, dispose };
}

/**
 * Ignores SIGINT, SIGTERM and SIGHUP while an undo runs, until the returned
 * function is called: an undo stopped half way leaves the host half switched
 * back (the uplink still a port of the bridge while its addresses are back on
 * it), which is worse than finishing it. Each signal says so in a line on
 * stderr ({@link Output.progress}, dropped when a hangup took the terminal).
 * @param what What goes on, for the line, e.g. `the undo of run 20261130T235418-a0d3 (fm)`.
 * @param out The output.
 * @returns A function that removes the listeners (the signals act as before). Idempotent.
 */
export function ignoreStopSignals(what: string | (() => string), out: Output): () => void {
  return listenStopSignals((signal) =>
    out.progress(out.paint(
      "yellow",
      `${signal} ignored: ${typeof what === "string" ? what : what()} goes on to the end, since stopping it half ` +
        "way would leave the host half changed (a SIGKILL would).",
    ))
  );
}

/**
 * Adds one listener for each of {@link STOP_SIGNALS}: while one is there, the
 * signal no longer ends nsrecipe (Deno replaces its default action).
 * @param onSignal Called with the signal received, each time one is.
 * @returns A function that removes them. Idempotent.
 */
export function listenStopSignals(onSignal: (signal: StopSignal) => void): () => void {
  const listeners = STOP_SIGNALS.map((signal) => {
    const listener = () => onSignal(signal);
    Deno.addSignalListener(signal, listener);
    return { signal, listener };
  });
  let disposed = false;
  return () => {
    if (disposed) return;
    disposed = true;
    for (const { signal, listener } of listeners) Deno.removeSignalListener(signal, listener);
  };
}

/** A request to stop caught before `run` begins (see {@link catchEarlyStop}). */
export interface EarlyStop {
  /** The first signal received, e.g. `SIGTERM`; `undefined` while none was. */
  requested(): Deno.Signal | undefined;
  /**
   * Throws when a signal was received: called between `run`'s checks.
   * @throws {InterruptedError} With no run (exit 4, "nothing was changed").
   */
  check(): void;
  /**
   * Runs `reads` (checks that change nothing); when they fail and a signal
   * was received, the failure is the interruption ({@link check}), not a
   * failed read: a Ctrl-C ends the reads of nsrecipe's own session with it.
   * @param reads The reads.
   * @returns What they return.
   * @throws {InterruptedError} When they failed and a signal was received; else whatever they throw.
   */
  within<T>(reads: () => Promise<T>): Promise<T>;
  /** Removes the listeners. Idempotent. */
  dispose(): void;
}

/**
 * Catches SIGINT, SIGTERM and SIGHUP while `run` checks the host and plans,
 * before its first step: instead of ending nsrecipe at once (exit 128 + the
 * signal's number, with no message and, under `--json`, no document), the
 * signal is acted on at the next {@link EarlyStop.check}, or by the engine
 * before the first step (`EngineDeps.stopRequested`), as an
 * {@link InterruptedError} (exit 4). An undo of an expired run in progress
 * (`actOnExpiredWindows`) is thus finished, not cut short.
 * @param planLine The command line that shows the run's steps, for the error's hint (e.g. `nsrecipe plan netns
 *   --name web`).
 * @returns The request's state.
 */
export function catchEarlyStop(planLine: string): EarlyStop {
  let first: Deno.Signal | undefined;
  const listeners = STOP_SIGNALS.map((signal) => {
    const listener = () => {
      first ??= signal;
      earlySeen = true;
      for (const wake of waiting) wake();
    };
    Deno.addSignalListener(signal, listener);
    return { signal, listener };
  });
  let disposed = false;
  const check = () => {
    if (first !== undefined) throw new InterruptedError(first, "", 0, 0, planLine);
  };
  return {
    requested: () => first,
    check,
    within: async (reads) => {
      try {
        return await reads();
      } catch (e) {
        check();
        throw e;
      }
    },
    dispose: () => {
      if (disposed) return;
      disposed = true;
      for (const { signal, listener } of listeners) Deno.removeSignalListener(signal, listener);
    },
  };
}

/** Whether a listener of {@link catchEarlyStop} has been told of a signal, in this process. */
let earlySeen = false;
/** Those waiting in {@link earlyStopSeen}. */
const waiting = new Set<() => void>();

/**
 * Waits until a listener of {@link catchEarlyStop} has been told of a
 * signal, at most `ms`: for a read that died of a stop signal (its process
 * group's Ctrl-C), whose end nsrecipe may see before its own listener is
 * told of the same signal (Deno hands signals to JavaScript from a thread of
 * its own). Returns at once when one was told already.
 * @param ms The bound, in ms.
 * @returns Once a signal was seen, or the bound passed.
 */
export async function earlyStopSeen(ms: number): Promise<void> {
  if (earlySeen) return;
  let wake = () => {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  await new Promise<void>((resolve) => {
    wake = resolve;
    waiting.add(wake);
    timer = setTimeout(resolve, ms);
  });
  waiting.delete(wake);
  clearTimeout(timer);
}
