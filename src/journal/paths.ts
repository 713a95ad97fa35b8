/**
 * Where nsrecipe keeps its state: names only, with no dependency, so the
 * command line can name them without loading the journal's reader.
 *
 * @module
 */

/** Default state directory: lives, like `/run/netns`, exactly as long as the kernel objects it describes. */
export const DEFAULT_STATE_DIR = "/run/nsrecipe";

/** File name of the journal inside the state directory. */
export const JOURNAL_FILE = "journal.jsonl";

/** File name of the journal's checked mark inside the state directory (see `checked_mark.ts`). */
export const CHECKED_FILE = "journal.checked";

/**
 * The journal's archive segments inside the state directory (see
 * `compaction.ts`): `journal.archive-1.jsonl`, `journal.archive-2.jsonl`, …,
 * the N-th the journal file as it was when the N-th compaction began.
 * @param n The segment's number, from 1.
 * @returns Its file name, e.g. `journal.archive-3.jsonl`.
 */
export function segmentFile(n: number): string {
  return `journal.archive-${n}.jsonl`;
}

/** What {@link segmentFile} names: group 1 is the segment's number. */
export const SEGMENT_FILE_RE: RegExp = /^journal\.archive-([1-9][0-9]{0,8})\.jsonl$/;

/**
 * The checked mark of archive segment `n` (`checked_mark.ts`): the journal's
 * mark as it was when the compaction gave the journal file its segment name.
 * @param n The segment's number, from 1.
 * @returns E.g. `journal.archive-3.checked`.
 */
export function segmentMarkFile(n: number): string {
  return `journal.archive-${n}.checked`;
}

/** File name of the lock file inside the state directory. */
export const LOCK_FILE = "lock";

/**
 * Where the binary may keep its state: the `write` list of the permission
 * set in deno.json. A `--state-dir` elsewhere is refused as a usage error.
 */
export const STATE_DIR_ROOTS: readonly string[] = ["/run/nsrecipe", "/var/lib/nsrecipe"];

/**
 * The host lock: one file per network namespace, in the default state
 * directory whatever `--state-dir` a command names, so that nsrecipe
 * processes with different state directories that change the same host
 * (its links, addresses, routes) still run one at a time. Keyed by the
 * namespace's identity (`stat(2)` of `/proc/self/ns/net`: the nsfs device
 * and inode, namespaces(7)), so processes in different network namespaces
 * (separate labs) do not wait for each other.
 *
 * @param netns The network namespace nsrecipe acts in: device and inode numbers.
 * @returns e.g. `/run/nsrecipe/host-4-4026531840.lock`.
 * @example
 * ```ts
 * hostLockPath({ dev: 4, ino: 4026531840 }); // "/run/nsrecipe/host-4-4026531840.lock"
 * ```
 */
export function hostLockPath(netns: { dev: number; ino: number }): string {
  return `${DEFAULT_STATE_DIR}/host-${netns.dev}-${netns.ino}.lock`;
}
