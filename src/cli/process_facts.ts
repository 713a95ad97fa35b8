/**
 * Facts of this nsrecipe process read once however many parts ask, and read
 * together: the network namespace it acts in (it never enters another
 * itself), the boot id (it changes only with a reboot), and whatever else a
 * command asks for ahead ({@link prefetchOwnFacts}: its own child's
 * capabilities, whether a kernel module is present), all paths to stat in one
 * stat(1) and all files in one head(1) (`src/host/path_reads.ts`; Deno refuses
 * `/proc` and `/sys` short of `--allow-all`, so a process reads them).
 *
 * Only for answers that cannot change while this process runs, or that it
 * asks only before it changes anything (preflight): an answer is kept for the
 * rest of the process. A read whose process could not be started or failed as
 * a whole is not kept: the next ask reads again.
 *
 * @module
 */
import { CommandError } from "../errors.ts";
import { hintFor, type Runner } from "../exec/mod.ts";
import type { NetnsRef } from "../host/identity.ts";
import { executableByStat, programCandidates } from "./programs.ts";
import {
  isPlainPath,
  type PathRead,
  type PathReads,
  type PathStat,
  readFiles,
  readFilesArgv,
  statPaths,
  statPathsArgv,
} from "../host/path_reads.ts";

/** This process's network namespace, as its children see it (`stat -L`: the namespace itself). */
export const OWN_NETNS_PATH = "/proc/self/ns/net";
/** The boot id (random(4)): a random UUID the kernel makes at boot. */
export const BOOT_ID_PATH = "/proc/sys/kernel/random/boot_id";

const files = new Map<string, Promise<PathRead<string>>>();
const stats = new Map<string, Promise<PathRead<PathStat>>>();

/** Thrown for a path whose read failed: the reader's own error, or one naming the path and the tool's reason. */
class Unread extends Error {
  constructor(readonly error: CommandError) {
    super(error.message);
  }
}

/**
 * Reads the paths not asked yet with one process, and keeps each path's
 * answer in `memo`; a process that failed as a whole keeps nothing.
 */
function readAhead<T>(
  memo: Map<string, Promise<PathRead<T>>>,
  paths: readonly string[],
  read: (paths: readonly string[]) => Promise<PathReads<T>>,
): void {
  const fresh = [...new Set(paths)].filter((p) => !memo.has(p));
  if (fresh.length === 0) return;
  const all = read(fresh);
  for (const p of fresh) {
    const one = all.then((r) => {
      if (r.ok) return r.reads.get(p)!;
      if (memo.get(p) === one) memo.delete(p);
      throw new Unread(r.error);
    });
    one.catch(() => {}); // Awaited by whoever asks; a failure there, not as unhandled here.
    memo.set(p, one);
  }
}

/** Paths to read ahead ({@link prefetchOwnFacts}): to stat, and files to read. */
export interface OwnFactsAhead {
  /** Paths to stat, e.g. {@link OWN_NETNS_PATH}. */
  stat?: readonly string[];
  /** Files to read, e.g. {@link BOOT_ID_PATH}. */
  files?: readonly string[];
}

/**
 * Starts reading, each set with one process, the paths given: `stat` (e.g.
 * {@link OWN_NETNS_PATH}, `/sys/module/bridge`) with one stat(1), `files`
 * (e.g. {@link BOOT_ID_PATH}, `/proc/self/status`) with one head(1). Later
 * asks ({@link ownNetns}, {@link ownBootId}, {@link ownFile},
 * {@link ownPathStat}) are answered from these reads. Nothing is awaited
 * here; a failure is met by whoever asks.
 * @param run The process seam.
 * @param ahead The paths to stat and the files to read.
 */
export function prefetchOwnFacts(run: Runner, ahead: OwnFactsAhead): void {
  if (ahead.stat?.length) readAhead(stats, ahead.stat, (p) => statPaths(run, p));
  if (ahead.files?.length) readAhead(files, ahead.files, (p) => readFiles(run, p));
}

/**
 * One path's stat(2), read once per process (with others asked ahead, one stat process).
 * @param run The process seam, when not read yet.
 * @param path A plain absolute path.
 * @returns Its device, inode and kind, or why stat could not read it.
 * @throws {CommandError} When stat could not be started or failed as a whole (again on the next call).
 */
export async function ownPathStat(run: Runner, path: string): Promise<PathRead<PathStat>> {
  readAhead(stats, [path], (p) => statPaths(run, p));
  return await unwrap(stats.get(path)!);
}

/**
 * One file's text, read once per process (with others asked ahead, one head process).
 * @param run The process seam, when not read yet.
 * @param path A plain absolute path.
 * @returns Its text, or why it could not be read (e.g. `No such file or directory`).
 * @throws {CommandError} When head could not be started or failed as a whole (again on the next call).
 */
export async function ownFile(run: Runner, path: string): Promise<PathRead<string>> {
  readAhead(files, [path], (p) => readFiles(run, p));
  return await unwrap(files.get(path)!);
}

async function unwrap<T>(p: Promise<PathRead<T>>): Promise<PathRead<T>> {
  try {
    return await p;
  } catch (e) {
    throw e instanceof Unread ? e.error : e;
  }
}

/** A path's read that must succeed: its failure as the {@link CommandError} of the reading command. */
function needed<T>(read: PathRead<T>, argv: readonly string[]): T {
  if (read.ok) return read.value;
  throw new CommandError(argv, 1, read.reason, hintFor(argv, read.reason));
}

/**
 * The network namespace this process acts in (stat(1) of `/proc/self/ns/net`:
 * the `stat` process is in the same namespace), read once per process.
 * @param run The process seam, for the first read.
 * @returns e.g. `{ dev: 4, ino: 4026531840 }`.
 * @throws {CommandError} When stat fails (again on every call: a failed read is not kept).
 */
export async function ownNetns(run: Runner): Promise<NetnsRef> {
  const s = needed(await ownPathStat(run, OWN_NETNS_PATH), statPathsArgv([OWN_NETNS_PATH]));
  return { dev: s.dev, ino: s.ino };
}

/**
 * The current boot id (`/proc/sys/kernel/random/boot_id`, random(4)), read
 * once per process.
 * @param run The process seam, for the first read.
 * @returns The id, trimmed.
 * @throws {CommandError} When it cannot be read (again on every call when the reader failed as a whole).
 */
export async function ownBootId(run: Runner): Promise<string> {
  return needed(await ownFile(run, BOOT_ID_PATH), readFilesArgv([BOOT_ID_PATH])).trim();
}

/**
 * The paths to stat ahead so that {@link ownProgramFound} can answer for
 * these programs without a process: each one's {@link programCandidates},
 * for the programs whose candidates are all plain absolute paths (a PATH
 * with a relative or odd entry leaves that program to test(1)).
 * @param programs Program names, e.g. `ip`.
 * @param path The PATH value.
 * @returns The candidate paths, each once.
 */
export function programStatPaths(programs: readonly string[], path: string): string[] {
  const all = programs.map((p) => programCandidates(p, path)).filter((c) => c.every(isPlainPath));
  return [...new Set(all.flat())];
}

/**
 * Whether a program is executable, answered from the stats read ahead of its
 * candidates ({@link programStatPaths}, {@link executableByStat}).
 * @param program A program name.
 * @param path The PATH value.
 * @returns `true` or `false`; `undefined` when its candidates were not all read ahead, stat failed as a whole, or
 *   this process is not root: then test(1) is asked.
 */
export async function ownProgramFound(program: string, path: string): Promise<boolean | undefined> {
  const candidates = programCandidates(program, path);
  if (!candidates.every((c) => stats.has(c))) return undefined;
  try {
    return executableByStat(await Promise.all(candidates.map((c) => unwrap(stats.get(c)!))), Deno.uid() ?? -1);
  } catch (e) {
    if (e instanceof CommandError) return undefined;
    throw e;
  }
}
