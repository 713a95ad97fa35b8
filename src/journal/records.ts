/**
 * Journal records: one JSON object per line, each tagged with `kind` and the
 * schema version `v`. A run's `run-begin` carries its whole plan; later
 * records refer to steps by index.
 *
 * @module
 */
import type { Identities, NetnsRef } from "../host/identity.ts";
import type { Captured, Step } from "../steps/mod.ts";

/** The schema version this build writes and fully understands. */
export const JOURNAL_VERSION = 1;

/**
 * The revision of the check that decides which records are well formed:
 * the record shapes of `schema.ts` and every step kind's schema
 * (`src/steps/<kind>.ts`). A checked mark (`checked_mark.ts`) made under
 * another revision is ignored, and the journal is checked in full again.
 *
 * Raise it with every change that could make the check answer differently
 * for some line, stricter or looser. It is a constant (rather than a hash
 * worked out when nsrecipe starts) because working it out would take
 * loading zod and building every schema, which is what the mark saves; it
 * cannot go stale silently because `tests/unit/journal_schema_pin_test.ts`
 * pins a hash of the schemas (their JSON Schema, and the source of their
 * custom checks) to this number and fails when the schemas change and it
 * does not.
 */
export const RECORD_SCHEMA_REVISION = 2;

/** Fields every journal record carries besides its `kind`. */
export interface Base {
  /** Schema version, {@link JOURNAL_VERSION}. */
  v: number;
  /** Run id, e.g. `20261129T063300-3f2a`. */
  run: string;
  /** ISO 8601 time the record was written. */
  at: string;
}

/** A run starts: recipe, parameters, the full plan and what it relies on. */
export interface RunBeginRecord extends Base {
  /** Record tag, the discriminant of {@link JournalRecord}. */
  kind: "run-begin";
  /** Recipe name, e.g. `veth-bridge`. */
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
  /** The whole plan, in order; later records name a step by its index here (0-based). */
  steps: Step[];
  /** `/proc/sys/kernel/random/boot_id` at the time: a journal from before a reboot describes objects that are gone. */
  bootId: string;
  /**
   * The network namespace the run acted in (the host's, or a lab's): undo
   * refuses to act on the run from another one, where the same link names
   * and indexes are other objects. Absent in journals of earlier versions.
   */
  netns?: NetnsRef;
  /** PID of the nsrecipe process that applied the run. */
  pid: number;
}

/** Written and fsynced before step `index` runs; carries the captured prior state. */
export interface StepIntentRecord extends Base {
  /** Record tag, the discriminant of {@link JournalRecord}. */
  kind: "step-intent";
  /** Index of the step in the run's plan, 0-based. */
  index: number;
  /** Prior state the step's inverse needs (`StepKind.capture`); absent when the kind captures nothing. */
  captured?: Captured;
  /**
   * Identities of the named objects the step acts on that existed before it
   * ran and that no earlier record of the run identified (e.g. the uplink
   * `link:eth0`); absent when none (and in journals of earlier versions).
   */
  identities?: Identities;
}

/** Step `index` ran and its effect was verified. */
export interface StepDoneRecord extends Base {
  /** Record tag, the discriminant of {@link JournalRecord}. */
  kind: "step-done";
  /** Index of the step in the run's plan, 0-based. */
  index: number;
  /**
   * Identities of the objects the step made (e.g. `netns:web` after
   * `ip netns add web`), so that undo deletes that object and no other of
   * the same name; absent when none (and in journals of earlier versions).
   */
  identities?: Identities;
}

/** Step `index` failed; `error` is the message (command, stderr). */
export interface StepFailedRecord extends Base {
  /** Record tag, the discriminant of {@link JournalRecord}. */
  kind: "step-failed";
  /** Index of the step in the run's plan, 0-based. */
  index: number;
  /** Why: the command's stderr (e.g. `RTNETLINK answers: File exists`) or the failed check. */
  error: string;
}

/**
 * Step `index` of `run` is no longer applied: `reverted` by its inverse,
 * found `already-gone`, or `handed-over` to the later run `to` that uses its
 * object (that run's undo will revert it).
 */
export interface StepUndoneRecord extends Base {
  /** Record tag, the discriminant of {@link JournalRecord}. */
  kind: "step-undone";
  /** Index of the step in the plan of run `run`, 0-based. */
  index: number;
  /**
   * `reverted` by its inverse, found `already-gone`, `handed-over` to run
   * `to`, or `subsumed`: its effect lives in an object the same undo deletes
   * next (`StepKind.within`), so it needed no inverse of its own.
   */
  how: "reverted" | "already-gone" | "handed-over" | "subsumed";
  /** For `handed-over`: id of the run the step now belongs to; absent otherwise. */
  to?: string;
  /**
   * Set when undo found the step's object replaced by another of the same
   * name (made by someone else) and left it alone: what it found, e.g.
   * `'br0' is another object (ifindex 9), not the one run … made (ifindex 5)`.
   */
  leftAlone?: string;
}

/** The inverse of step `index` failed; the step stays applied. */
export interface StepUndoFailedRecord extends Base {
  /** Record tag, the discriminant of {@link JournalRecord}. */
  kind: "step-undo-failed";
  /** Index of the step in the run's plan, 0-based. */
  index: number;
  /** Why: the inverse command's stderr, or `the inverse ran but the effect is still there`. */
  error: string;
}

/**
 * A run reached an end state: `applied`, `rolled-back` (a step failed and all
 * was reverted), `undone`, `incomplete` (rollback or undo left steps applied;
 * undo can be run again) or `stale` (the journal predates a reboot).
 */
export interface RunEndRecord extends Base {
  /** Record tag, the discriminant of {@link JournalRecord}. */
  kind: "run-end";
  /** The end state; `incomplete` runs can be undone again. */
  state: "applied" | "rolled-back" | "undone" | "incomplete" | "stale";
}

/**
 * The run waits for confirmation: unless a `run-confirmed` record follows
 * before `deadline`, the watchdog undoes it.
 */
export interface ConfirmWaitRecord extends Base {
  /** Record tag, the discriminant of {@link JournalRecord}. */
  kind: "confirm-wait";
  /** Deadline, milliseconds since the Unix epoch. */
  deadline: number;
  /** PID of the watchdog process holding the timer. */
  watchdogPid: number;
  /**
   * The watchdog's start time, `/proc/PID/stat` field 22 (clock ticks after
   * boot, proc(5)): with the PID it names the watchdog, not a later process
   * given the same PID. Absent in journals of earlier versions, and when it
   * could not be read (the watchdog had already exited).
   */
  watchdogStart?: number;
}

/** The admin confirmed the run (`tty`: at the prompt; `command`: `nsrecipe confirm`). */
export interface RunConfirmedRecord extends Base {
  /** Record tag, the discriminant of {@link JournalRecord}. */
  kind: "run-confirmed";
  /** `tty`: answered at the prompt of `run`; `command`: `nsrecipe confirm`. */
  by: "tty" | "command";
  /**
   * When the admin asked, ms since the epoch: `nsrecipe confirm`'s start, or
   * when `yes` was typed (at or before the deadline, which is judged against
   * it). Absent in journals of earlier versions.
   */
  invokedAt?: number;
}

/**
 * How an unconfirmed window ended: `deadline` (nobody answered in time: the
 * watchdog, or the prompt at the deadline), `prompt-no` (an answer other than
 * `yes` at the prompt of `run`), `prompt-interrupt` (a stop signal at that
 * prompt: Ctrl-C's SIGINT, a SIGTERM, or the terminal's hangup, SIGHUP).
 */
export type ConfirmRefusal = "deadline" | "prompt-no" | "prompt-interrupt";

/** A signal that asks nsrecipe to stop (signal(7)): Ctrl-C's SIGINT, SIGTERM, a terminal's hangup (SIGHUP). */
export type StopSignal = "SIGINT" | "SIGTERM" | "SIGHUP";

/** The run will not be kept (the window passed, or the prompt was refused); it is being undone. */
export interface ConfirmExpiredRecord extends Base {
  /** Record tag, the discriminant of {@link JournalRecord}. */
  kind: "confirm-expired";
  /** How the window ended; absent in journals of earlier versions (which wrote this record for all three): read as `deadline`. */
  how?: ConfirmRefusal;
  /**
   * For `prompt-interrupt`: the signal that ended the prompt. Absent in
   * journals of earlier versions, where only Ctrl-C (SIGINT) did.
   */
  signal?: StopSignal;
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
