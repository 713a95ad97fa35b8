/**
 * What the engine's functions (apply, revert, undo, confirm) are given: the
 * step context, the open journal and the test fault hook. In its own module
 * so that the engine's files depend on it, never on each other for it.
 *
 * @module
 */
import type { NetnsRef } from "../host/mod.ts";
import type { Journal, RecordBody } from "../journal/mod.ts";

/**
 * What the engine uses of the journal: append a record (durably), read every
 * record, and its path for messages. Usually the open, locked
 * {@link Journal}; the watchdog passes one that keeps in memory what the
 * state directory cannot take (`DeferringJournal`), so that its revert never
 * waits on the journal.
 */
export type JournalPort = Pick<Journal, "append" | "read" | "path"> & Partial<Pick<Journal, "appendAll">>;

/**
 * Appends records durably with one sync when the journal can
 * (`Journal.appendAll`), else one by one.
 * @param journal The journal.
 * @param bodies The records, in order.
 * @throws {JournalWriteError} When a record cannot be written.
 */
export async function appendAll(journal: JournalPort, bodies: readonly RecordBody[]): Promise<void> {
  if (journal.appendAll) return await journal.appendAll(bodies);
  for (const body of bodies) await journal.append(body);
}
import type { StepContext } from "../steps/mod.ts";
import type { FaultHook } from "./faults.ts";

/** Everything the engine needs. */
export interface EngineDeps {
  /** What steps use to apply, verify and revert (process seam, `ip -json` reader). */
  ctx: StepContext;
  /** The open, locked journal every record is appended to (or the watchdog's deferring one). */
  journal: JournalPort;
  /** Current `/proc/sys/kernel/random/boot_id`. */
  bootId: string;
  /**
   * The network namespace this process acts in (`ownNetns` in src/cli/process_facts.ts: stat(1) of `/proc/self/ns/net`): recorded with
   * each run, and undo acts only on runs recorded in it. Absent where no
   * namespace is read (unit tests of the engine): then runs are not tied.
   */
  netns?: NetnsRef;
  /** Progress lines (one per step), e.g. to stderr. */
  log: (line: string) => void;
  /** Test fault hook (see `faults.ts`). */
  fault: FaultHook;
  /**
   * The signal that asked `run` to stop (e.g. `SIGINT`), checked between
   * steps: the step in progress is finished, then every step done is rolled
   * back. Absent, or returning `undefined`: go on.
   */
  stopRequested?: () => string | undefined;
}
