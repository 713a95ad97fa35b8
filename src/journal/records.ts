/**
 * Journal records: one JSON object per line, each tagged with `kind` and the
 * schema version `v`. A run's `run-begin` carries its whole plan; later
 * records refer to steps by index.
 *
 * @module
 */
import type { Captured, Step } from "../steps/mod.ts";

/** The schema version this build writes and fully understands. */
export const JOURNAL_VERSION = 1;

interface Base {
  /** Schema version, {@link JOURNAL_VERSION}. */
  v: number;
  /** Run id, e.g. `20261129T063300-3f2a`. */
  run: string;
  /** ISO 8601 time the record was written. */
  at: string;
}

/** A run starts: recipe, parameters, the full plan and what it relies on. */
export interface RunBeginRecord extends Base {
  kind: "run-begin";
  recipe: string;
  /** Human name used by `undo NAME` (the netns name, or the recipe). */
  label: string;
  /** The recipe's parsed parameters. */
  params: Record<string, unknown>;
  /** Objects the run relies on but did not create, e.g. `link:br0`. */
  uses: string[];
  /**
   * Objects this run creates that a later run may share (a bridge made by
   * veth-bridge): undoing this run while a later one uses them hands their
   * steps over instead of refusing. Absent in old records: none.
   */
  handover?: string[];
  steps: Step[];
  /** `/proc/sys/kernel/random/boot_id` at the time: a journal from before a reboot describes objects that are gone. */
  bootId: string;
  /** PID of the nsrecipe process that applied the run. */
  pid: number;
}

/** Written and fsynced before step `index` runs; carries the captured prior state. */
export interface StepIntentRecord extends Base {
  kind: "step-intent";
  index: number;
  captured?: Captured;
}

/** Step `index` ran and its effect was verified. */
export interface StepDoneRecord extends Base {
  kind: "step-done";
  index: number;
}

/** Step `index` failed; `error` is the message (command, stderr). */
export interface StepFailedRecord extends Base {
  kind: "step-failed";
  index: number;
  error: string;
}

/**
 * Step `index` of `run` is no longer applied: `reverted` by its inverse,
 * found `already-gone`, or `handed-over` to the later run `to` that uses its
 * object (that run's undo will revert it).
 */
export interface StepUndoneRecord extends Base {
  kind: "step-undone";
  index: number;
  how: "reverted" | "already-gone" | "handed-over";
  to?: string;
}

/** The inverse of step `index` failed; the step stays applied. */
export interface StepUndoFailedRecord extends Base {
  kind: "step-undo-failed";
  index: number;
  error: string;
}

/**
 * A run reached an end state: `applied`, `rolled-back` (a step failed and all
 * was reverted), `undone`, `incomplete` (rollback or undo left steps applied;
 * undo can be run again) or `stale` (the journal predates a reboot).
 */
export interface RunEndRecord extends Base {
  kind: "run-end";
  state: "applied" | "rolled-back" | "undone" | "incomplete" | "stale";
}

/**
 * The run waits for confirmation: unless a `run-confirmed` record follows
 * before `deadline`, the watchdog undoes it.
 */
export interface ConfirmWaitRecord extends Base {
  kind: "confirm-wait";
  /** Deadline, milliseconds since the Unix epoch. */
  deadline: number;
  /** PID of the watchdog process holding the timer. */
  watchdogPid: number;
}

/** The admin confirmed the run (`tty`: at the prompt; `command`: `nsrecipe confirm`). */
export interface RunConfirmedRecord extends Base {
  kind: "run-confirmed";
  by: "tty" | "command";
}

/** The confirmation window passed unconfirmed; the watchdog is undoing the run. */
export interface ConfirmExpiredRecord extends Base {
  kind: "confirm-expired";
}

/** Any journal record. */
export type JournalRecord =
  | RunBeginRecord
  | StepIntentRecord
  | StepDoneRecord
  | StepFailedRecord
  | StepUndoneRecord
  | StepUndoFailedRecord
  | RunEndRecord
  | ConfirmWaitRecord
  | RunConfirmedRecord
  | ConfirmExpiredRecord;

/** A journal record before `v`, `run` and `at` are stamped on it. */
export type RecordBody = JournalRecord extends infer R ? R extends JournalRecord ? Omit<R, "v" | "at"> : never
  : never;
