/**
 * The journal on disk: an append-only JSON Lines file in the state directory,
 * guarded by an exclusive lock so that concurrent nsrecipe processes are
 * serialised. Every record is written with one `write` and made durable with
 * `fdatasync` before the caller goes on: a step-intent record is on disk
 * before its command runs.
 *
 * @module
 */
import { PreconditionError } from "../errors.ts";
import { type ParsedJournal, parseJournal } from "./reader.ts";
import { JOURNAL_VERSION, type RecordBody } from "./records.ts";

/** Default state directory: lives, like `/run/netns`, exactly as long as the kernel objects it describes. */
export const DEFAULT_STATE_DIR = "/run/nsrecipe";

/** File name of the journal inside the state directory. */
export const JOURNAL_FILE = "journal.jsonl";

/** File name of the lock file inside the state directory. */
export const LOCK_FILE = "lock";

/** How long to wait silently for the lock before saying so, in ms. */
const LOCK_NOTICE_MS = 300;

/**
 * Makes sure the state directory exists, is a real directory (not a symlink),
 * is owned by the current user and is writable by nobody else; creates it
 * with mode 0700 when missing.
 *
 * @param dir Absolute path, e.g. `/run/nsrecipe`.
 * @throws {PreconditionError} When it is a symlink, not a directory, owned by
 *   another user, group- or world-writable, or cannot be created.
 */
export function ensureStateDir(dir: string): void {
  let info: Deno.FileInfo;
  try {
    info = Deno.lstatSync(dir);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    try {
      Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
      Deno.chmodSync(dir, 0o700);
    } catch (err) {
      throw new PreconditionError(
        `Cannot create the state directory '${dir}': ${(err as Error).message}`,
        "Run as root, or choose another --state-dir under /run or /var/lib/nsrecipe.",
      );
    }
    info = Deno.lstatSync(dir);
  }
  if (info.isSymlink) {
    throw new PreconditionError(
      `The state directory '${dir}' is a symbolic link; nsrecipe refuses to follow it`,
      "Remove the link, or pass --state-dir with a real directory.",
    );
  }
  if (!info.isDirectory) {
    throw new PreconditionError(
      `The state directory '${dir}' is not a directory`,
      "Remove it or choose another --state-dir.",
    );
  }
  if (info.uid !== null && info.uid !== Deno.uid()) {
    throw new PreconditionError(
      `The state directory '${dir}' is owned by uid ${info.uid}, not by you (uid ${Deno.uid()})`,
      `Check who made it; then 'chown root: ${dir}'.`,
    );
  }
  if (info.mode !== null && (info.mode & 0o022) !== 0) {
    throw new PreconditionError(
      `The state directory '${dir}' is writable by group or others (mode ${(info.mode & 0o777).toString(8)})`,
      `Anyone could forge undo records: 'chmod 700 ${dir}', after checking its contents.`,
    );
  }
}

/** An open, locked journal. */
export class Journal {
  private constructor(
    /** The state directory. */
    readonly dir: string,
    private readonly lockFile: Deno.FsFile,
    private readonly file: Deno.FsFile,
    /** A note when a torn last record was cut off on open; `""` otherwise. */
    readonly repaired: string,
  ) {}

  /** Path of the journal file. */
  get path(): string {
    return `${this.dir}/${JOURNAL_FILE}`;
  }

  /**
   * Opens the journal for reading and appending, taking the exclusive lock
   * (waiting for another nsrecipe process to release it, with a notice after
   * a short while). A torn last line left by a crash is cut off first, so the
   * next record starts on a line of its own.
   *
   * @param dir State directory (checked by {@link ensureStateDir}).
   * @param notice Told when the lock is busy (`Waiting for …`).
   * @returns The open journal; call {@link Journal.close} when done.
   * @throws {PreconditionError} For an unfit state directory or an unwritable journal.
   */
  static async open(dir: string, notice: (line: string) => void = () => {}): Promise<Journal> {
    ensureStateDir(dir);
    const lockFile = await Deno.open(`${dir}/${LOCK_FILE}`, { read: true, write: true, create: true, mode: 0o600 });
    const timer = setTimeout(
      () => notice(`Waiting for another nsrecipe process to finish (lock '${dir}/${LOCK_FILE}')...`),
      LOCK_NOTICE_MS,
    );
    try {
      await lockFile.lock(true);
    } finally {
      clearTimeout(timer);
    }
    const path = `${dir}/${JOURNAL_FILE}`;
    let repaired = "";
    try {
      const text = await Deno.readTextFile(path).catch((e) => {
        if (e instanceof Deno.errors.NotFound) return "";
        throw e;
      });
      if (text !== "" && !text.endsWith("\n")) {
        const keep = text.lastIndexOf("\n") + 1;
        await Deno.truncate(path, new TextEncoder().encode(text.slice(0, keep)).length);
        repaired = `The journal's last record was incomplete (cut short by a crash) and was removed: ${
          JSON.stringify(text.slice(keep).slice(0, 80))
        }`;
      }
      const file = await Deno.open(path, { append: true, create: true, mode: 0o600 });
      return new Journal(dir, lockFile, file, repaired);
    } catch (e) {
      lockFile.close();
      throw new PreconditionError(
        `Cannot open the journal '${path}': ${(e as Error).message}`,
        "Check the state directory and free space.",
      );
    }
  }

  /**
   * Reads and parses the whole journal.
   * @returns Records and problems (see `parseJournal`).
   */
  async read(): Promise<ParsedJournal> {
    try {
      return parseJournal(await Deno.readTextFile(this.path));
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return { records: [], problems: [] };
      throw e;
    }
  }

  /**
   * Appends one record and waits until it is on disk (`fdatasync`).
   * @param body The record without `v` and `at`, which are stamped here.
   * @throws {PreconditionError} When the write fails (e.g. the disk is full).
   */
  async append(body: RecordBody): Promise<void> {
    const line = JSON.stringify({ v: JOURNAL_VERSION, at: new Date().toISOString(), ...body }) + "\n";
    const bytes = new TextEncoder().encode(line);
    try {
      let written = 0;
      while (written < bytes.length) written += await this.file.write(bytes.subarray(written));
      await this.file.syncData();
    } catch (e) {
      throw new PreconditionError(
        `Cannot write to the journal '${this.path}': ${(e as Error).message}`,
        "Free space in the state directory's filesystem, then run 'nsrecipe undo' to revert anything half-done.",
      );
    }
  }

  /** Closes the journal and releases the lock. */
  close(): void {
    this.file.close();
    this.lockFile.close();
  }
}
