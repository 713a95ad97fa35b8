/**
 * The journal on disk: an append-only JSON Lines file in the state directory,
 * guarded by an exclusive lock so that concurrent nsrecipe processes are
 * serialised. Every record is written with one `write` and made durable with
 * `fdatasync` before the caller goes on: a step-intent record is on disk
 * before its command runs.
 *
 * @module
 */
import { PreconditionError, UsageError } from "../errors.ts";
import { quote } from "../quote.ts";
import type { ParsedJournal } from "./reader.ts";
import { readJournalFile } from "./checked_mark.ts";
import { isOsError } from "./os_error.ts";
import { zodLoaded } from "../zod_deferred.ts";
import { JOURNAL_VERSION, type RecordBody } from "./records.ts";
import { JOURNAL_FILE, LOCK_FILE, STATE_DIR_ROOTS } from "./paths.ts";
import { compactJournal, planCompaction } from "./compaction.ts";

/** How long to wait silently for the lock before saying so, in ms. */
const LOCK_NOTICE_MS = 300;

/**
 * The journal could not be written (disk full, I/O error). A record that
 * could not be written completely is cut off again, so the file never holds
 * a half record followed by another. Exit code `precondition` when it
 * reaches the user before anything changed; the engine turns it into a
 * rollback when a run is under way.
 */
export class JournalWriteError extends PreconditionError {
  /** The operating system's message, e.g. `No space left on device (os error 28)`. */
  readonly reason: string;

  /**
   * Creates the error for a journal that could not be written.
   * @param path The journal file, e.g. `/run/nsrecipe/journal.jsonl`.
   * @param reason The underlying error message.
   */
  constructor(path: string, reason: string) {
    super(
      `Cannot write to the journal ${quote(path)}: ${reason}`,
      "Free space in the state directory's filesystem, then run 'nsrecipe undo' to revert anything half-done.",
    );
    this.reason = reason;
  }
}

function outsidePermissions(dir: string): UsageError {
  return new UsageError(
    `The state directory ${quote(dir)} is outside the directories nsrecipe may write (${STATE_DIR_ROOTS.join(", ")})`,
    `Pass --state-dir ${STATE_DIR_ROOTS[0]} (the default) or ${STATE_DIR_ROOTS[1]}, or a directory below one of them.`,
  );
}

/**
 * Refuses a special file (symlink, FIFO, directory…) where the journal or
 * its lock file should be: nsrecipe would otherwise write through it.
 */
function assertPlainFile(path: string): void {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return;
    throw e;
  }
  if (info.isSymlink || !info.isFile) {
    throw new PreconditionError(
      `${quote(path)} is ${
        info.isSymlink ? "a symbolic link" : "not a regular file"
      }; nsrecipe refuses to write through it`,
      "Check who made it and remove it; nsrecipe creates it again.",
    );
  }
}

/**
 * Makes sure the state directory exists, is a real directory (not a symlink),
 * is owned by the current user and is writable by nobody else; creates it
 * with mode 0700 when missing.
 *
 * @param dir Absolute path, e.g. `/run/nsrecipe`.
 * @throws {UsageError} When the path is relative or outside what the
 *   permission set lets nsrecipe write ({@link STATE_DIR_ROOTS}).
 * @throws {PreconditionError} When it (or a directory above it) is a symlink,
 *   it is not a directory, owned by another user, group- or world-writable,
 *   or cannot be created.
 */
export function ensureStateDir(dir: string): void {
  checkStateDir(dir, "write");
}

/**
 * The checks of {@link ensureStateDir}, for a process that writes (which
 * creates a missing directory) or only reads (`status`, `journal`, for
 * which a missing directory is an empty journal): a directory that is a
 * symbolic link, lies behind one, is not a directory, is owned by another
 * user or is writable by group or others is refused either way, so a
 * read-only command never trusts a journal that a writer would refuse.
 *
 * @param dir The state directory.
 * @param mode `write` creates it when missing; `read` does not.
 * @returns `false` when `mode` is `read` and the directory does not exist; else `true`.
 * @throws {UsageError} | {PreconditionError} As {@link ensureStateDir}.
 */
function checkStateDir(dir: string, mode: "read" | "write"): boolean {
  if (!dir.startsWith("/")) {
    throw new UsageError(
      `The state directory ${quote(dir)} is not an absolute path`,
      "Pass e.g. --state-dir /run/nsrecipe.",
    );
  }
  // Both modes: the state directories are those the permission set may write (a reader accepts no other).
  for (const name of ["read", "write"] as const) {
    if (Deno.permissions.querySync({ name, path: dir }).state !== "granted") throw outsidePermissions(dir);
  }
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(dir);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    if (mode === "read") return false;
    try {
      Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
      Deno.chmodSync(dir, 0o700);
    } catch (err) {
      throw new PreconditionError(
        `Cannot create the state directory ${quote(dir)}: ${(err as Error).message}`,
        "Run nsrecipe as root; if it is root, check the directory above it.",
      );
    }
    info = Deno.lstatSync(dir);
  }
  if (info.isSymlink) {
    throw new PreconditionError(
      `The state directory ${quote(dir)} is a symbolic link; nsrecipe refuses to follow it`,
      "Remove the link, or pass --state-dir with a real directory.",
    );
  }
  if (!info.isDirectory) {
    throw new PreconditionError(
      `The state directory ${quote(dir)} is not a directory`,
      "Remove it or choose another --state-dir.",
    );
  }
  if (info.uid !== null && info.uid !== Deno.uid()) {
    throw new PreconditionError(
      `The state directory ${quote(dir)} is owned by uid ${info.uid}, not by you (uid ${Deno.uid()})`,
      `Check who made it; then 'chown root: ${dir}'.`,
    );
  }
  if (info.mode !== null && (info.mode & 0o022) !== 0) {
    throw new PreconditionError(
      `The state directory ${quote(dir)} is writable by group or others (mode ${(info.mode & 0o777).toString(8)})`,
      `Anyone could forge undo records: 'chmod 700 ${dir}', after checking its contents.`,
    );
  }
  const real = Deno.realPathSync(dir);
  const normal = dir.replace(/\/+/g, "/").replace(/(.)\/$/, "$1");
  if (real !== normal) {
    throw new PreconditionError(
      `The state directory ${quote(dir)} lies behind a symbolic link (it resolves to ${
        quote(real)
      }); nsrecipe refuses to follow it`,
      `Pass --state-dir with the real path, after checking who made the link.`,
    );
  }
  return true;
}

/** How many bytes {@link completeRecords} reads at a time, from the end of the journal backwards. */
const TAIL_CHUNK = 64 * 1024;

/**
 * Where the journal's complete records end: after its last newline. Reads
 * the file from its end backwards, a chunk at a time, until it finds one, so
 * a journal that ends in a newline (every journal but one cut short by a
 * crash) costs one small read however long its history is.
 *
 * @param path The journal file.
 * @returns `size`: its length in bytes; `keep`: the length of its complete
 *   records (`size` when it ends in a newline or is empty; 0 when it holds no
 *   newline at all); `torn`: the bytes after `keep` as text (`""` when none).
 * @throws {Deno.errors.PermissionDenied} | {Error} When it cannot be read; a missing file reads as empty.
 */
async function completeRecords(path: string): Promise<{ size: number; keep: number; torn: string }> {
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { read: true });
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return { size: 0, keep: 0, torn: "" };
    throw e;
  }
  try {
    const size = (await file.stat()).size;
    let end = size;
    while (end > 0) {
      const start = Math.max(0, end - TAIL_CHUNK);
      const chunk = new Uint8Array(end - start);
      await file.seek(start, Deno.SeekMode.Start);
      for (let got = 0; got < chunk.length;) {
        const n = await file.read(chunk.subarray(got));
        if (n === null) throw new Error(`The journal ${quote(path)} shrank while it was being read`);
        got += n;
      }
      const nl = chunk.lastIndexOf(0x0a);
      if (nl >= 0) {
        const keep = start + nl + 1;
        return { size, keep, torn: keep < size ? await tailText(file, keep, size) : "" };
      }
      end = start;
    }
    return { size, keep: 0, torn: size > 0 ? await tailText(file, 0, size) : "" };
  } finally {
    file.close();
  }
}

/** The bytes `from`…`to` of an open file, decoded as UTF-8 (a torn record, for the repair message). */
async function tailText(file: Deno.FsFile, from: number, to: number): Promise<string> {
  const bytes = new Uint8Array(Math.min(to - from, 4096));
  await file.seek(from, Deno.SeekMode.Start);
  let got = 0;
  while (got < bytes.length) {
    const n = await file.read(bytes.subarray(got));
    if (n === null) break;
    got += n;
  }
  return new TextDecoder().decode(bytes.subarray(0, got));
}

/** An open, locked journal. */
export class Journal {
  /** Length in bytes of the journal's complete records, i.e. where the next record starts. */
  private size: number;
  /** Set when a partial record could not be cut off again: no more appends. */
  private broken = "";

  /** The journal's length when it was opened: a change means this process recorded something. */
  private readonly openedSize: number;

  /** Set once {@link Journal.checkpoint} compacted the journal: no more appends. */
  private compacted = false;

  private constructor(
    /** The state directory. */
    readonly dir: string,
    private readonly lockFile: Deno.FsFile,
    private readonly hostLockFile: Deno.FsFile | undefined,
    private readonly file: Deno.FsFile,
    size: number,
    /** A note when a torn last record was cut off on open; `""` otherwise. */
    readonly repaired: string,
    /** The host lock's stamp when it was taken (see {@link hostStampNow}); -1 without a host lock. */
    readonly hostStamp: number,
  ) {
    this.size = size;
    this.openedSize = size;
  }

  /** Length of the journal file in bytes, as this process last wrote or read it. */
  get bytes(): number {
    return this.size;
  }

  /** Path of the journal file. */
  get path(): string {
    return `${this.dir}/${JOURNAL_FILE}`;
  }

  /**
   * Opens the journal for reading and appending, taking the exclusive lock
   * (`flock(2)` on the lock file). When another nsrecipe process holds it,
   * this waits until it is released (no time limit: a killed holder releases
   * it at once), telling `notice` after a short while. A torn last line left
   * by a crash is cut off first, so the next record starts on a line of its own.
   *
   * With `hostLock` (see `hostLockPath`), it first takes that lock too, the
   * same way: the state directory's lock only serialises the processes that
   * share the directory, the host lock those that change the same network
   * namespace whatever their directory. Always host lock first, then the
   * directory's: every process takes them in that order, so none waits for
   * one while holding the other the waiter needs first.
   *
   * @param dir State directory (checked by {@link ensureStateDir}).
   * @param notice Told when a lock is busy (`Waiting for …`).
   * @param hostLock Path of the host lock file, e.g. `/run/nsrecipe/host-4-4026531840.lock`; none when omitted.
   * @returns The open journal; call {@link Journal.close} when done.
   * @throws {UsageError} For a state directory outside the permission set.
   * @throws {PreconditionError} For an unfit state directory, a journal or
   *   lock file that is a symlink or special file, or an unwritable journal.
   */
  static async open(dir: string, notice: (line: string) => void = () => {}, hostLock?: string): Promise<Journal> {
    ensureStateDir(dir);
    const path = `${dir}/${JOURNAL_FILE}`;
    const lockPath = `${dir}/${LOCK_FILE}`;
    assertPlainFile(lockPath);
    assertPlainFile(path);
    let hostLockFile: Deno.FsFile | undefined;
    if (hostLock !== undefined) {
      ensureStateDir(hostLock.slice(0, hostLock.lastIndexOf("/")) || "/");
      hostLockFile = await takeLock(
        hostLock,
        dir,
        `Waiting for another nsrecipe process to finish (host lock '${hostLock}', any state directory)...`,
        notice,
      );
    }
    let lockFile: Deno.FsFile;
    try {
      lockFile = await takeLock(
        lockPath,
        dir,
        `Waiting for another nsrecipe process to finish (lock '${lockPath}')...`,
        notice,
      );
    } catch (e) {
      hostLockFile?.close();
      throw e;
    }
    let repaired = "";
    try {
      assertPlainFile(path);
      // Only the end is read: opening takes the same time however long the history is.
      const { size, keep, torn } = await completeRecords(path);
      if (keep < size) {
        await Deno.truncate(path, keep);
        repaired = `The journal's last record was incomplete (cut short by a crash) and was removed: ${
          JSON.stringify(torn.slice(0, 80))
        }`;
      }
      const file = await Deno.open(path, { append: true, create: true, mode: 0o600 });
      const stamp = hostLockFile ? (await hostLockFile.stat()).size : -1;
      return new Journal(dir, lockFile, hostLockFile, file, keep, repaired, stamp);
    } catch (e) {
      lockFile.close();
      hostLockFile?.close();
      if (e instanceof PreconditionError) throw e;
      throw new PreconditionError(
        `Cannot open the journal ${quote(path)}: ${(e as Error).message}`,
        "Check the state directory and free space.",
      );
    }
  }

  /**
   * Reads and parses the whole journal.
   * @returns Records and problems (see `parseJournal`).
   */
  async read(): Promise<ParsedJournal> {
    const read = await readJournalFile(this.dir, { tail: "parse", advance: false });
    return read ? { records: read.records, lines: read.lines, problems: read.problems } : empty();
  }

  /**
   * Moves the journal's checked mark (`checked_mark.ts`) to its end:
   * checks what lies beyond the mark (this process's own records, or those
   * of a process that left no mark) so that the next nsrecipe, with or
   * without the lock, has nothing to check. The writer holds the lock, so
   * no record is appended meanwhile; it checks with the same schemas a
   * reader would, so the mark never vouches for a record unchecked (the
   * records this process wrote are built by typed code, but only the check
   * says what a reader would say of them). A process that recorded
   * something then moves the runs of no more use out of a long journal
   * (`compaction.ts`), after which it appends nothing more. Call it before
   * {@link Journal.close}.
   *
   * Only a process that has loaded zod already does so (`run` for its
   * recipe's options, or any process whose reading of the journal met
   * records beyond the mark): one that has not (`undo`, `confirm` on a
   * checked journal) leaves its few records to the next nsrecipe rather
   * than load zod for records that may never be read again.
   *
   * @throws {Error} Only for what is not an operating system's refusal (a
   *   bug, a missing Deno permission); a journal or mark that cannot be read
   *   or written is left as it is.
   */
  async checkpoint(): Promise<void> {
    if (!zodLoaded()) return;
    try {
      const read = await readJournalFile(this.dir, { tail: "drop", advance: true });
      // A process that recorded something (and so moves the host stamp as it closes: see close) moves the runs of no
      // more use out of a long journal (compaction.ts), with every record just checked.
      if (read && read.incomplete === "" && this.size !== this.openedSize) {
        const plan = planCompaction(read, Date.now());
        if (plan) {
          // The host stamp moves first: a process that measured the journal before taking the lock must not take a
          // compacted journal of the same length for an untouched one (run.ts), even if this one dies before close.
          this.moveHostStamp();
          if (await compactJournal(this.dir, plan, this.size)) this.compacted = true;
        }
      }
    } catch (e) {
      if (!isOsError(e)) throw e;
    }
  }

  /**
   * Appends one record and waits until it is on disk (`fdatasync`). When the
   * write fails part-way (e.g. the disk filled up), the partial record is cut
   * off again, so that a later record never lands on the same line.
   *
   * @param body The record without `v` and `at`, which are stamped here.
   * @throws {JournalWriteError} When the write or the sync fails (e.g. the
   *   disk is full); the file then holds only complete records.
   */
  async append(body: RecordBody): Promise<void> {
    await this.appendAll([body]);
  }

  /**
   * Appends several records with one `write` and one `fdatasync` (a batch of
   * steps' intent or done records): all of them are on disk when it returns,
   * or none (a partial write is cut off again, as for {@link Journal.append}).
   *
   * @param bodies The records without `v` and `at`, in order; `[]` writes nothing.
   * @throws {JournalWriteError} When the write or the sync fails; the file then
   *   holds none of them.
   */
  async appendAll(bodies: readonly RecordBody[]): Promise<void> {
    if (this.broken) throw new JournalWriteError(this.path, this.broken);
    // Its descriptor names the file before the compaction (now an archive segment): nothing may be written there.
    if (this.compacted) throw new Error(`Bug: a record appended to ${this.path} after its compaction`);
    if (bodies.length === 0) return;
    const at = new Date().toISOString();
    const line = bodies.map((body) => JSON.stringify({ v: JOURNAL_VERSION, at, ...body }) + "\n").join("");
    const bytes = new TextEncoder().encode(line);
    let written = 0;
    try {
      while (written < bytes.length) written += await this.file.write(bytes.subarray(written));
    } catch (e) {
      const reason = (e as Error).message;
      if (written > 0) {
        try {
          await this.file.truncate(this.size);
        } catch (t) {
          this.broken = `${reason}; a partial record could not be removed: ${(t as Error).message}`;
        }
      }
      throw new JournalWriteError(this.path, reason);
    }
    this.size += bytes.length;
    try {
      await this.file.syncData();
    } catch (e) {
      throw new JournalWriteError(this.path, (e as Error).message);
    }
  }

  /**
   * Adds one byte to the host lock file (see {@link Journal.close}), when there is one; a refusal by the system is
   * ignored (the stamp stays).
   * @throws {Error} Only for what is not an operating system's refusal.
   */
  private moveHostStamp(): void {
    try {
      this.hostLockFile?.truncateSync(this.hostLockFile.statSync().size + 1);
    } catch (e) {
      if (!isOsError(e)) throw e;
    }
  }

  /**
   * Closes the journal and releases the locks (the directory's, then the
   * host's). When this process recorded something (it changed the host, or
   * tried to), it first adds one byte to the host lock file: a process of
   * another state directory that looked at the host before it took the lock
   * sees the stamp moved ({@link hostStampNow}) and looks again. The byte
   * is added by `ftruncate(2)` (a hole: no block is allocated, so a full
   * filesystem does not refuse it); should the system still refuse it, the
   * stamp stays and the journal is closed all the same (a failure here must
   * not hide the error the caller is closing on).
   */
  close(): void {
    try {
      if (this.size !== this.openedSize) this.moveHostStamp();
    } finally {
      this.file.close();
      this.lockFile.close();
      this.hostLockFile?.close();
    }
  }
}

/**
 * Opens a lock file (created mode 0600) and takes its exclusive `flock(2)`,
 * waiting as long as another process holds it and telling `notice` once
 * after {@link LOCK_NOTICE_MS}.
 * @param lockPath The lock file.
 * @param dir The state directory, named when the file cannot be written.
 * @param waiting The line `notice` is told.
 * @param notice Told when the lock is busy.
 * @returns The open file holding the lock; closing it releases the lock.
 * @throws {PreconditionError} When the file is a symlink or special file, or cannot be opened.
 */
async function takeLock(
  lockPath: string,
  dir: string,
  waiting: string,
  notice: (line: string) => void,
): Promise<Deno.FsFile> {
  assertPlainFile(lockPath);
  let lockFile: Deno.FsFile;
  try {
    lockFile = await Deno.open(lockPath, { read: true, write: true, create: true, mode: 0o600 });
  } catch (e) {
    if (!isOsError(e)) throw e;
    throw new PreconditionError(
      `Cannot write in the state directory ${quote(dir)}: ${e.message}`,
      "nsrecipe keeps its lock and journal there: make it writable again (e.g. 'mount -o remount,rw' its " +
        "filesystem, or free space), then run the command again; nothing was changed.",
    );
  }
  const timer = setTimeout(() => notice(waiting), LOCK_NOTICE_MS);
  try {
    await lockFile.lock(true);
  } catch (e) {
    lockFile.close();
    throw e;
  } finally {
    clearTimeout(timer);
  }
  return lockFile;
}

/**
 * Reads the journal without taking the lock, for commands that only read
 * (`status`, `journal`): they never wait for, nor hold up, a process that is
 * changing the host. Records are appended whole and in order, so what is
 * read is the journal as it was at some moment; a last line without its
 * newline (a record being written at this very moment, or one cut short by a
 * crash, which the next writer removes) is left out.
 *
 * @param dir State directory.
 * @returns The parsed journal, its path, and the incomplete last line left out (`""` when none);
 *   empty when there is no journal yet.
 * @throws {UsageError} For a state directory that is not absolute or outside the permission set.
 * @throws {PreconditionError} When the journal is a symbolic link or not a regular file, or the state directory
 *   is one a writer would refuse (a symbolic link or behind one, not a directory, another owner, group- or
 *   world-writable).
 */
export async function readJournal(dir: string): Promise<ParsedJournal & { path: string; incomplete: string }> {
  const path = `${dir}/${JOURNAL_FILE}`;
  if (!checkStateDir(dir, "read")) return { ...empty(), path, incomplete: "" };
  assertPlainFile(path);
  const read = await readJournalFile(dir, { tail: "drop", advance: false });
  return read ? { ...read, path } : { ...empty(), path, incomplete: "" };
}

/**
 * The journal as a dry run sees it: read once, without the locks (as
 * {@link readJournal}, so a dry run neither waits for another nsrecipe nor
 * creates the state directory, its lock files or its journal), and never
 * written: the records the dry run's engine reads are those of that one read.
 * It has the shape of the open journal the engine takes (`read`, `append`,
 * `path`).
 * @param dir State directory.
 * @returns The frozen journal, and the incomplete last line its read left out (`""` when none: see
 *   {@link readJournal}).
 * @throws As {@link readJournal}.
 */
export async function frozenJournal(dir: string): Promise<{
  /** Path of the journal file, for messages. */
  readonly path: string;
  /** The incomplete last line left out (a record being written, or one cut short by a crash); `""` when none. */
  readonly incomplete: string;
  /** @returns The records of the one read. */
  read(): Promise<ParsedJournal>;
  /** @throws {Error} Always: a dry run records nothing (a bug if it tries). */
  append(body: RecordBody): Promise<never>;
}> {
  const { records, lines, problems, path, incomplete } = await readJournal(dir);
  return {
    path,
    incomplete,
    read: () => Promise.resolve({ records, lines, problems }),
    append: (body) => Promise.reject(new Error(`a dry run records nothing (asked to record '${body.kind}')`)),
  };
}

/** A journal with nothing in it. */
function empty(): ParsedJournal {
  return { records: [], lines: [], problems: [] };
}

/**
 * The host lock's stamp now, without the lock: its file's length, which
 * grows by one byte each time a process that recorded something releases it
 * (see {@link Journal.close}). A process that looks at the host before taking
 * the locks compares it with {@link Journal.hostStamp} once it holds them, to
 * know whether a process of another state directory changed the host meanwhile.
 * @param hostLock Path of the host lock file (`hostLockPath`).
 * @returns The length; 0 when there is no such file; -1 when it cannot be read (then look again).
 */
export function hostStampNow(hostLock: string): number {
  try {
    return Deno.lstatSync(hostLock).size;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return 0;
    if (e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.NotCapable) return -1;
    throw e;
  }
}

/**
 * The journal's length in bytes now, without the lock: a process that looks
 * at the host before taking the lock compares it with {@link Journal.bytes}
 * once it holds the lock, to know whether another nsrecipe recorded anything
 * (and so may have changed the host) in between.
 *
 * @param dir State directory.
 * @returns The length; 0 when there is no journal; -1 when it cannot be read (then look again).
 */
export function journalBytesNow(dir: string): number {
  try {
    return Deno.lstatSync(`${dir}/${JOURNAL_FILE}`).size;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return 0;
    // The state directory is not a directory (or cannot be read): look again under the lock, where opening the
    // journal refuses it with its reason.
    if (
      e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.NotCapable ||
      e instanceof Deno.errors.NotADirectory
    ) return -1;
    throw e;
  }
}

/**
 * What tells one state of the journal from another, without the lock and
 * without reading it: its inode, length and modification time (lstat(2)).
 * Records are only appended (a torn last line is cut by the next writer
 * before it appends), so two equal stamps taken around a read say that the
 * journal read is the one that was there at the first: a reader that looked
 * at the host in between (`status`) knows that every record it read was
 * written before that look began.
 * @param dir State directory.
 * @returns `stamp`, equal for equal states (e.g. `"1234 20480 1764563000123"`), and `bytes`, the length;
 *   `undefined` when there is no journal or it cannot be read (then compare nothing: read it, and look at the
 *   host after; reading it says why it cannot be read).
 */
export function journalStampNow(dir: string): { stamp: string; bytes: number } | undefined {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(`${dir}/${JOURNAL_FILE}`);
  } catch {
    return undefined;
  }
  return { stamp: `${info.ino} ${info.size} ${info.mtime?.getTime()}`, bytes: info.size };
}
