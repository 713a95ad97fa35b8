/**
 * The watchdog's journal: the revert of an unconfirmed change matters more
 * than its record, so whatever happens to the state directory (a full
 * filesystem, a read-only remount, a mode that makes nsrecipe refuse it) the
 * watchdog reverts from what it holds in memory and keeps the records the
 * journal could not take, in order, to write them as soon as it can.
 *
 * @module
 */
import { type Journal, JournalWriteError, type ParsedJournal, type RecordBody } from "../journal/mod.ts";
import type { JournalPort } from "./deps.ts";

/**
 * A {@link JournalPort} that appends through the open journal while it can,
 * and from the first record it cannot write (or always, without an open
 * journal) keeps every record in {@link DeferringJournal.pending} instead of
 * throwing: later records never overtake an earlier one.
 */
export class DeferringJournal implements JournalPort {
  /** Records not written yet, oldest first. */
  readonly pending: RecordBody[] = [];
  /** Why the first deferred record could not be written; `""` while none was deferred. */
  reason = "";

  /**
   * Creates the journal the watchdog reverts through.
   * @param target The open, locked journal; `undefined` when it could not be opened.
   * @param memory The records last read from the journal (without the lock), answered by `read()` without `target`.
   * @param path The journal's path, for messages.
   * @param why Why there is no `target` (e.g. `Read-only file system (os error 30)`); ignored with one.
   */
  constructor(
    private readonly target: Journal | undefined,
    private readonly memory: ParsedJournal,
    readonly path: string,
    why = "",
  ) {
    if (!target) this.reason = why;
  }

  /**
   * The journal's records: from the open journal, or the ones held in memory.
   * @returns Records and problems.
   */
  async read(): Promise<ParsedJournal> {
    return this.target ? await this.target.read() : this.memory;
  }

  /**
   * Appends through the open journal, or keeps the record for later.
   * @param body The record.
   * @throws Never for a write failure ({@link JournalWriteError} is kept as {@link DeferringJournal.reason}).
   */
  async append(body: RecordBody): Promise<void> {
    if (this.target && this.pending.length === 0) {
      try {
        await this.target.append(body);
        return;
      } catch (e) {
        if (!(e instanceof JournalWriteError)) throw e;
        this.reason = e.reason;
      }
    }
    this.pending.push(body);
  }
}

/**
 * Writes records a {@link DeferringJournal} kept, in order, into the journal
 * (opened and locked by the caller). When the run they describe was closed
 * meanwhile by another nsrecipe process (its records say what happened), they
 * are dropped instead: they would only repeat it.
 *
 * @param journal The open, locked journal.
 * @param run The run the records are about.
 * @param pending The records, oldest first; written ones are removed from it.
 * @param isOpenNow Whether the run is still open in the journal as it is now.
 * @returns `written` or `dropped`.
 * @throws {JournalWriteError} When a record still cannot be written (the rest stay in `pending`).
 */
export async function writeDeferred(
  journal: Pick<Journal, "append">,
  run: string,
  pending: RecordBody[],
  isOpenNow: boolean,
): Promise<"written" | "dropped"> {
  if (!isOpenNow && pending.every((r) => r.run === run)) {
    pending.length = 0;
    return "dropped";
  }
  while (pending.length > 0) {
    await journal.append(pending[0]);
    pending.shift();
  }
  return "written";
}
