/**
 * The fault hook used by the crash and failure tests: makes nsrecipe kill
 * itself (SIGKILL) or fail a step at a chosen point, to prove that undo
 * restores the host from any point.
 *
 * Off unless the environment variable {@link FAULT_ENV} is set to a value
 * that starts with {@link FAULT_ARMING}; a production binary never triggers it
 * by accident. Format: `i-understand-this-breaks-nsrecipe:ACTION@PHASE:INDEX`,
 * e.g. `…:kill@after-intent:3`, `…:fail@step:2`, `…:kill@after-undo:1`.
 *
 * @module
 */
import { UsageError } from "../errors.ts";
import type { Runner } from "../exec/mod.ts";

/** The environment variable holding the fault spec. */
export const FAULT_ENV = "NSRECIPE_TEST_FAULT";

/** The prefix that arms the hook. */
export const FAULT_ARMING = "i-understand-this-breaks-nsrecipe:";

/**
 * Where a fault can strike: `after-intent` (the write-ahead record is on
 * disk, the command has not run), `step` (instead of running the step's
 * commands), `after-done` (the step is done and recorded), `after-undo` (the
 * inverse of step INDEX was recorded during undo or rollback).
 */
export type FaultPhase = "after-intent" | "step" | "after-done" | "after-undo";

/** A parsed fault spec. */
export interface FaultSpec {
  action: "kill" | "fail";
  phase: FaultPhase;
  index: number;
}

/**
 * Called by the engine at each point; kills the process or throws when the
 * spec matches.
 */
export type FaultHook = (phase: FaultPhase, index: number) => Promise<void>;

/**
 * Parses the fault spec.
 * @param value The variable's value, or `undefined`.
 * @returns The spec, or `undefined` when unset or not armed.
 * @throws {UsageError} When armed but malformed.
 */
export function parseFault(value: string | undefined): FaultSpec | undefined {
  if (!value || !value.startsWith(FAULT_ARMING)) return undefined;
  const m = /^(kill|fail)@(after-intent|step|after-done|after-undo):(\d+)$/.exec(value.slice(FAULT_ARMING.length));
  if (!m) throw new UsageError(`${FAULT_ENV} is malformed: '${value}'`, "See src/engine/faults.ts for the format.");
  return { action: m[1] as FaultSpec["action"], phase: m[2] as FaultPhase, index: Number(m[3]) };
}

/** Thrown by a `fail` fault in place of a step's commands. */
export class InjectedFault extends Error {}

/**
 * Builds the hook for a spec.
 * @param spec A parsed spec, or `undefined` for a hook that never fires.
 * @param run The process seam: a kill is `kill -KILL <own pid>` (no Deno
 *   permission beyond the `kill` program is needed).
 * @returns The hook.
 * @throws {InjectedFault} From the hook, for a matching `fail` spec.
 */
export function faultHook(spec: FaultSpec | undefined, run: Runner): FaultHook {
  return async (phase, index) => {
    if (!spec || spec.phase !== phase || spec.index !== index) return;
    if (spec.action === "kill") {
      await run(["kill", "-KILL", String(Deno.pid)]);
      await new Promise(() => {}); // the signal is on its way
    }
    throw new InjectedFault(`injected failure at ${phase}:${index} (${FAULT_ENV})`);
  };
}
