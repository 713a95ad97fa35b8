/**
 * The fault hook used by the crash and failure tests: makes nsrecipe kill
 * itself (SIGKILL) or fail a step or an inverse step at a chosen point, to
 * prove that rollback and undo restore the host from any point.
 *
 * **Off unless armed.** The hook reads the environment variable
 * {@link FAULT_ENV} and does nothing unless its value starts with the exact
 * prefix {@link FAULT_ARMING}; a value without it is ignored, so a stray or
 * mistyped variable can never trigger a fault. An armed but malformed value is
 * a usage error (exit 2) before anything is changed.
 *
 * Format: `i-understand-this-breaks-nsrecipe:FAULT[,FAULT...]`, each FAULT
 * `ACTION@PHASE:INDEX` where INDEX is the 0-based index of the step in its
 * run's plan (the first step is 0), e.g. `…:kill@after-intent:0`,
 * `…:fail@step:1`, `…:kill@after-undo:1`, `…:fail@step:1,fail@undo:0`.
 *
 * Phases while applying, in order for each step:
 * - `after-intent` the write-ahead record is on disk, the command has not run;
 * - `step` in place of the step's commands (`kill` here equals `after-intent`);
 * - `after-command` the command ran, its effect is neither verified nor
 *   recorded (`fail` here is a failed verification);
 * - `after-done` the step is done and recorded (`kill` only).
 *
 * Consecutive steps that are plain `ip` commands run as one `ip -batch`
 * (`apply_batch.ts`): the write-ahead records of the whole batch come first,
 * then each step's `after-intent` and `step` points (a `fail` there cuts the
 * batch before that step), then the batch, then each step's `after-command`,
 * then the done records of the batch, then each step's `after-done`. One more
 * point lies inside a batch:
 * - `in-batch` the batch's lines up to and including this step's ran, the
 *   rest of the batch not yet (`kill`/`stop` only; the batch is split there).
 *
 * Phases while reverting (rollback or undo), for each step newest first:
 * - `undo` in place of the inverse's commands (`fail`: the inverse fails); for
 *   consecutive steps whose inverses run as one `ip -batch` (`revert.ts`),
 *   every such point comes before the batch, and a `fail` cuts the batch there;
 *   for a step subsumed by a later deletion (`subsume` in `undo.ts`), a `fail`
 *   stops undo there as a failing inverse would;
 * - `after-revert` the inverse ran, its outcome is not recorded (`kill` only);
 * - `after-undo` the outcome is recorded (`kill` only).
 *
 * `holdN` (N = 1…3) is a `stop` for signal tests: a test sends N different
 * stop signals (SIGINT, SIGTERM, SIGHUP) to the stopped nsrecipe, and once
 * continued the hook returns only after all N reached nsrecipe's listeners
 * (at most 30 s). A signal is handed to JavaScript by Deno's signal thread
 * (deno_signals, signal-hook), so without the wait nsrecipe could go on to
 * its next step before its own listeners saw a signal sent at this point.
 *
 * One phase lies outside the plan (INDEX 0):
 * - `prompt` run's confirmation prompt is on the terminal, its answer not yet
 *   read (`kill`/`stop` only; a test sends Ctrl-C's SIGINT to a stopped
 *   nsrecipe, delivered the moment it goes on).
 *
 * @module
 */
import { UsageError } from "../errors.ts";
import type { Runner } from "../exec/mod.ts";

/** The environment variable holding the fault spec. */
export const FAULT_ENV = "NSRECIPE_TEST_FAULT";

/** The prefix that arms the hook; without it the variable is ignored. */
export const FAULT_ARMING = "i-understand-this-breaks-nsrecipe:";

/** Where a fault can strike; see the module documentation. */
export type FaultPhase =
  | "after-intent"
  | "step"
  | "after-command"
  | "after-done"
  | "in-batch"
  | "undo"
  | "after-revert"
  | "after-undo"
  | "prompt";

/**
 * What a fault does: `kill` = SIGKILL to nsrecipe itself; `fail` = the step or
 * inverse fails; `stop` = SIGSTOP to nsrecipe itself, so the test decides how
 * long that point lasts (a slow switch) and goes on with SIGCONT; `hold` = a
 * `stop` after which nsrecipe waits for the signals sent to it meanwhile to
 * reach its listeners ({@link FaultSpec.signals}).
 */
export type FaultAction = "kill" | "fail" | "stop" | "hold";

/** One parsed fault. */
export interface FaultSpec {
  /** What happens when it strikes. */
  action: FaultAction;
  /** Where it strikes. */
  phase: FaultPhase;
  /** 0-based index of the step in its run's plan. */
  index: number;
  /** For `hold`: how many different stop signals (SIGINT, SIGTERM, SIGHUP) the test sends, 1…3. */
  signals?: number;
}

/** Phases where a `fail` has a meaning (a step or an inverse that fails). */
const FAILABLE: ReadonlySet<FaultPhase> = new Set(["after-intent", "step", "after-command", "undo"]);

const ONE =
  /^(kill|fail|stop|hold[1-3])@(after-intent|step|after-command|after-done|in-batch|undo|after-revert|after-undo|prompt):(\d{1,4})$/;

/**
 * Called by the engine at each point; kills the process or throws
 * {@link InjectedFault} when a spec matches.
 */
export interface FaultHook {
  (phase: FaultPhase, index: number): Promise<void>;
  /**
   * Whether a fault is set at a point (the engine splits a batch at an
   * `in-batch` point only when one is); absent: none is.
   */
  armed?(phase: FaultPhase, index: number): boolean;
}

/**
 * Parses the fault spec.
 *
 * @param value The variable's value, or `undefined`.
 * @returns The faults, or `[]` when unset or not armed (no {@link FAULT_ARMING} prefix).
 * @throws {UsageError} When armed but malformed, or a `fail` at a phase where nothing can fail.
 * @example
 * ```ts
 * import { parseFault } from "./faults.ts";
 * console.assert(parseFault("kill@step:1").length === 0); // not armed: ignored
 * console.assert(parseFault("i-understand-this-breaks-nsrecipe:kill@step:1")[0].index === 1);
 * ```
 */
export function parseFault(value: string | undefined): FaultSpec[] {
  if (!value || !value.startsWith(FAULT_ARMING)) return [];
  return value.slice(FAULT_ARMING.length).split(",").map((part) => {
    const m = ONE.exec(part.trim());
    if (!m) {
      throw new UsageError(
        `${FAULT_ENV} is malformed at ${JSON.stringify(part)}`,
        "Use ACTION@PHASE:INDEX[,…] as documented in src/engine/faults.ts, or unset it.",
      );
    }
    const hold = m[1].startsWith("hold");
    const spec: FaultSpec = {
      action: (hold ? "hold" : m[1]) as FaultAction,
      phase: m[2] as FaultPhase,
      index: Number(m[3]),
      ...(hold ? { signals: Number(m[1].slice(4)) } : {}),
    };
    if (spec.action === "fail" && !FAILABLE.has(spec.phase)) {
      throw new UsageError(
        `${FAULT_ENV}: nothing can fail at '${spec.phase}'`,
        `Use 'fail' with one of: ${[...FAILABLE].join(", ")}; or 'kill' at '${spec.phase}'.`,
      );
    }
    return spec;
  });
}

/** Thrown by a `fail` fault in place of a step's or an inverse's commands. */
export class InjectedFault extends Error {}

/**
 * Builds the hook for parsed specs.
 *
 * @param specs Parsed faults; `[]` (or `undefined`) gives a hook that never fires.
 * @param run The process seam: a kill is `kill -KILL <own pid>` (no Deno
 *   permission beyond the `kill` program is needed).
 * @returns The hook.
 * @throws {InjectedFault} From the hook, for a matching `fail` spec.
 */
export function faultHook(specs: readonly FaultSpec[] | undefined, run: Runner): FaultHook {
  const find = (phase: FaultPhase, index: number) => (specs ?? []).find((s) => s.phase === phase && s.index === index);
  const hook: FaultHook = async (phase, index) => {
    const spec = find(phase, index);
    if (!spec) return;
    if (spec.action === "stop") {
      await run(["kill", "-STOP", String(Deno.pid)]);
      return;
    }
    if (spec.action === "hold") {
      await holdForSignals(spec.signals ?? 1, run);
      return;
    }
    if (spec.action === "kill") {
      await run(["kill", "-KILL", String(Deno.pid)]);
      await new Promise(() => {}); // the signal is on its way
    }
    throw new InjectedFault(`injected failure at ${phase}:${index} (${FAULT_ENV})`);
  };
  hook.armed = (phase, index) => find(phase, index) !== undefined;
  return hook;
}

/** The signals a `hold` waits for (those nsrecipe's interrupt handling listens to, `src/cli/interrupt.ts`). */
const HOLD_SIGNALS: readonly Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Stops nsrecipe (SIGSTOP) and, once continued, waits until `count` different
 * stop signals reached its listeners, at most 30 s. Listeners added earlier
 * (nsrecipe's own) are called before this one for the same signal: Deno calls
 * a signal's listeners in the order they were added (`Deno.addSignalListener`).
 * @param count How many different signals the test sends while it is stopped.
 * @param run The process seam (for `kill -STOP`).
 */
async function holdForSignals(count: number, run: Runner): Promise<void> {
  const seen = new Set<Deno.Signal>();
  let enough = () => {};
  const done = new Promise<void>((resolve) => (enough = resolve));
  const listeners = HOLD_SIGNALS.map((signal) => {
    const listener = () => {
      seen.add(signal);
      if (seen.size >= count) enough();
    };
    Deno.addSignalListener(signal, listener);
    return { signal, listener };
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await run(["kill", "-STOP", String(Deno.pid)]);
    await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, 30_000)))]);
  } finally {
    clearTimeout(timer);
    for (const { signal, listener } of listeners) Deno.removeSignalListener(signal, listener);
  }
}
