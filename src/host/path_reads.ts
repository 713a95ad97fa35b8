/**
 * Several paths read by one process instead of one process each: the
 * contents of several files by one head(1), the identity and kind of several
 * paths by one stat(1). Deno refuses `/proc` and `/sys` short of
 * `--allow-all`, so nsrecipe reads them through a process; each process costs
 * a few ms, and a command that needs the boot id, its own network namespace
 * and its own capabilities needs them all before its first step.
 *
 * Each path gets its own answer: a file that is missing or unreadable among
 * several is told apart from the others (its reason, from the tool's own
 * message), and so is one that could not be read because the tool could not.
 *
 * @module
 */
import { CommandError } from "../errors.ts";
import type { ExecResult, Runner } from "../exec/mod.ts";

/** One path's answer: the value, or why it could not be read (e.g. `No such file or directory`). */
export type PathRead<T> = { ok: true; value: T } | { ok: false; reason: string };

/** What stat(2) (following symlinks) says of a path. */
export interface PathStat {
  /** Device number (`st_dev`). */
  dev: number;
  /** Inode number (`st_ino`). */
  ino: number;
  /** It is a directory (`S_IFDIR`). */
  dir: boolean;
  /** It is a regular file (`S_IFREG`). */
  file: boolean;
  /** Its permission bits, e.g. `0o755` (inode(7)). */
  mode: number;
}

/** Every exit code a started program can return. */
const ANY_EXIT: readonly number[] = Array.from({ length: 256 }, (_, i) => i);

/**
 * Whether a path is one these readers accept ({@link readFiles}, {@link statPaths}).
 * @param path A path.
 * @returns `true` for an absolute path of letters, digits and `._+/:@-`.
 */
export function isPlainPath(path: string): boolean {
  return PLAIN_PATH.test(path);
}

/**
 * Paths these readers accept: absolute, of characters GNU head and stat print
 * as they are, in headers and in single quotes in their messages (coreutils'
 * `quotearg` shell-escape style quotes nothing else differently).
 */
const PLAIN_PATH = /^\/[A-Za-z0-9._+\/:@-]*$/;

function assertPlain(paths: readonly string[]): void {
  const odd = paths.find((p) => !PLAIN_PATH.test(p));
  if (odd !== undefined) throw new Error(`path_reads: ${JSON.stringify(odd)} is not a plain absolute path`);
  if (new Set(paths).size !== paths.length) throw new Error(`path_reads: a path is given twice: ${paths.join(" ")}`);
}

/**
 * The argv of {@link readFiles}: `head -v -n -0 -- PATH…` (head(1): `-v`
 * prints a header `==> PATH <==` before each file; `-n -0`, all but the last
 * 0 lines, is the whole file).
 * @param paths Plain absolute paths.
 * @returns The argv.
 */
export function readFilesArgv(paths: readonly string[]): string[] {
  return ["head", "-v", "-n", "-0", "--", ...paths];
}

/**
 * The reason GNU head or stat gave for one path, from its stderr: `head:
 * cannot open 'P' for reading: REASON`, `head: error reading 'P': REASON`,
 * `stat: cannot statx 'P': REASON` (or `cannot stat`).
 */
function reasonFor(stderr: string, path: string): string | undefined {
  const line = stderr.split("\n").find((l) => l.includes(`'${path}'`));
  if (line === undefined) return undefined;
  const after = line.indexOf(": ", line.indexOf(`'${path}'`) + path.length + 2);
  return after >= 0 ? line.slice(after + 2).trim() : line.trim();
}

/**
 * Splits the output of {@link readFilesArgv} into each file's text. GNU head
 * prints `==> PATH <==\n` before the first file and `\n==> PATH <==\n` before
 * each next one, and nothing for a file it cannot open (it says why on
 * stderr and goes on with the next, exiting 1). A file's text is what lies
 * between its header and the next file's: reliable for files that hold no
 * line `==> P <==` naming a later path (such as `/proc` and `/sys` files).
 *
 * @param paths The paths, in the order given to head.
 * @param stdout head's stdout.
 * @param stderr head's stderr.
 * @returns Each path's text, or the reason head gave (`No such file or directory`, `Is a directory`, …).
 */
export function splitHeadOutput(
  paths: readonly string[],
  stdout: string,
  stderr: string,
): Map<string, PathRead<string>> {
  const out = new Map<string, PathRead<string>>();
  // Where each header starts, in order; a file head could not open has none.
  const starts: { path: string; at: number; body: number }[] = [];
  let from = 0;
  for (const path of paths) {
    const header = `==> ${path} <==\n`;
    const first = starts.length === 0;
    const at = first ? (stdout.startsWith(header, from) ? from : -1) : stdout.indexOf(`\n${header}`, from);
    if (at < 0) continue;
    const body = at + (first ? 0 : 1) + header.length;
    starts.push({ path, at, body });
    from = body;
  }
  starts.forEach((s, i) => {
    const end = i + 1 < starts.length ? starts[i + 1].at : stdout.length;
    const reason = reasonFor(stderr, s.path);
    out.set(s.path, reason === undefined ? { ok: true, value: stdout.slice(s.body, end) } : { ok: false, reason });
  });
  for (const path of paths) {
    if (!out.has(path)) out.set(path, { ok: false, reason: reasonFor(stderr, path) ?? "not read (no output)" });
  }
  return out;
}

/**
 * The argv of {@link statPaths}: `stat -L -c '%d %i %f %n' -- PATH…`
 * (stat(1): `%d` device, `%i` inode, `%f` raw mode in hex, `%n` the name;
 * `-L` follows symlinks, as `/proc/self/ns/net` needs).
 * @param paths Plain absolute paths.
 * @returns The argv.
 */
export function statPathsArgv(paths: readonly string[]): string[] {
  return ["stat", "-L", "-c", "%d %i %f %n", "--", ...paths];
}

/** `S_IFMT`, `S_IFDIR` and `S_IFREG` of inode(7). */
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;

/**
 * Parses the output of {@link statPathsArgv}: one line `DEV INO MODE NAME`
 * per path stat could read (it says why on stderr for the others, exiting 1).
 * @param paths The paths given to stat.
 * @param stdout stat's stdout.
 * @param stderr stat's stderr.
 * @returns Each path's device, inode and kind, or the reason stat gave (`No such file or directory`, …).
 */
export function parseStatOutput(
  paths: readonly string[],
  stdout: string,
  stderr: string,
): Map<string, PathRead<PathStat>> {
  const seen = new Map<string, PathStat>();
  for (const line of stdout.split("\n")) {
    const m = /^(\d+) (\d+) ([0-9a-f]+) (.+)$/.exec(line);
    if (!m) continue;
    const raw = parseInt(m[3], 16);
    const type = raw & S_IFMT;
    seen.set(m[4], {
      dev: Number(m[1]),
      ino: Number(m[2]),
      dir: type === S_IFDIR,
      file: type === S_IFREG,
      mode: raw & 0o7777,
    });
  }
  return new Map(paths.map((p) => {
    const s = seen.get(p);
    return [p, s ? { ok: true, value: s } : { ok: false, reason: reasonFor(stderr, p) ?? "not read (no output)" }];
  }));
}

/**
 * Runs one reader process; `undefined` when it could not be started or ended
 * otherwise than 0 (all read) or 1 (some path not read), with the error each
 * path then carries.
 */
/**
 * How long a reader of paths may take before it is killed, in ms: reading a
 * regular file or stat-ing a path takes milliseconds, but open(2) of a FIFO
 * blocks until a writer comes (fifo(7)), and root can put one where a state
 * file is expected (`mkfifo /run/network/ifstate`). Killed, the reader fails
 * as a whole, its error saying so, instead of nsrecipe waiting forever.
 */
export const PATH_READ_TIMEOUT_MS = 5000;

async function runReader(
  run: Runner,
  argv: readonly string[],
): Promise<{ r: ExecResult } | { error: CommandError }> {
  try {
    const r = await run(argv, { okCodes: ANY_EXIT, traceStderr: absentSummed, timeoutMs: PATH_READ_TIMEOUT_MS });
    if (r.code === 0 || r.code === 1) return { r };
    return { error: new CommandError(argv, r.code, r.stderr) };
  } catch (e) {
    if (e instanceof CommandError) return { error: e };
    throw e;
  }
}

/** The end of the line stat(1) and head(1) write for a path that does not exist (ENOENT, strerror(3)). */
const ABSENT = ": No such file or directory";

/**
 * How `--verbose` shows a reader's stderr: the lines for paths that do not
 * exist, its expected answer (the programs looked for along PATH: one line
 * per directory without them, dozens on an ordinary PATH), as one count after
 * the other lines, which are shown as they are.
 * @param stderr The reader's stderr.
 * @returns e.g. `(43 paths absent: No such file or directory)`; `stderr` itself with fewer than two such lines.
 */
export function absentSummed(stderr: string): string {
  const lines = stderr.split("\n");
  const absent = lines.filter((l) => l.endsWith(ABSENT)).length;
  if (absent < 2) return stderr;
  return [...lines.filter((l) => !l.endsWith(ABSENT)), `(${absent} paths absent${ABSENT})`].join("\n");
}

/**
 * The outcome of one reader process for several paths: each path's answer,
 * or the error that kept the process from answering at all.
 */
export type PathReads<T> = { ok: true; reads: Map<string, PathRead<T>> } | { ok: false; error: CommandError };

/**
 * Reads several files' texts with one head(1) ({@link readFilesArgv},
 * {@link splitHeadOutput}).
 * @param run The process seam.
 * @param paths Plain absolute paths (letters, digits and `._+/:@-`), each once.
 * @returns Each file's text or reason; not ok when head could not be started or failed as a whole (its
 *   {@link CommandError}: code -1 when not installed).
 * @throws {Error} For a path that is not plain, or given twice (a bug).
 */
export async function readFiles(run: Runner, paths: readonly string[]): Promise<PathReads<string>> {
  assertPlain(paths);
  const done = await runReader(run, readFilesArgv(paths));
  return "error" in done
    ? { ok: false, error: done.error }
    : { ok: true, reads: splitHeadOutput(paths, done.r.stdout, done.r.stderr) };
}

/**
 * Stats several paths with one stat(1) ({@link statPathsArgv}, {@link parseStatOutput}).
 * @param run The process seam.
 * @param paths Plain absolute paths, each once.
 * @returns Each path's device, inode and kind, or reason; not ok when stat could not be started or failed as
 *   a whole.
 * @throws {Error} For a path that is not plain, or given twice (a bug).
 */
export async function statPaths(run: Runner, paths: readonly string[]): Promise<PathReads<PathStat>> {
  assertPlain(paths);
  const done = await runReader(run, statPathsArgv(paths));
  return "error" in done
    ? { ok: false, error: done.error }
    : { ok: true, reads: parseStatOutput(paths, done.r.stdout, done.r.stderr) };
}
