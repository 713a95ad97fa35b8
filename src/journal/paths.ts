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

/** File name of the lock file inside the state directory. */
export const LOCK_FILE = "lock";

/**
 * Where the binary may keep its state: the `write` list of the permission
 * set in deno.json. A `--state-dir` elsewhere is refused as a usage error.
 */
export const STATE_DIR_ROOTS: readonly string[] = ["/run/nsrecipe", "/var/lib/nsrecipe"];
