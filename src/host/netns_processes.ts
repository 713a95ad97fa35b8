/**
 * How many processes live in each named network namespace, from one scan of
 * the processes for all of them, not one `ip netns pids NAME` each.
 *
 * @module
 */
import { CommandError } from "../errors.ts";
import type { Runner } from "../exec/mod.ts";
import { netnsIdentity } from "./identity.ts";
import { IpReader, parseToolJson } from "./ip_json.ts";

/** One network namespace as `lsns -J -t net -o NS,NPROCS` lists it. */
interface LsnsEntry {
  /** The namespace's inode number (in nsfs), as `stat -L /proc/PID/ns/net` shows it. */
  ns: number | string;
  /** How many processes it holds. */
  nprocs: number | string;
}

/**
 * One scan of every process's network namespace: `lsns -J -t net -o
 * NS,NPROCS` (lsns(8), util-linux) reads `/proc/PID/ns/net` of every process
 * once and lists each network namespace that a process is in, by its inode
 * (as `stat -L /proc/PID/ns/net` shows it), with how many processes
 * (thread-group leaders, as `ip netns pids` counts them, ip-netns(8)) it
 * holds. A namespace it does not list holds no process. It needs no name, so
 * it may run before the names are known (`status` starts it while it reads
 * its journal).
 *
 * @param run The process seam.
 * @returns The number of processes by namespace inode; `undefined` when `lsns` cannot be started, or fails twice.
 * @throws {Error} Only what the process seam throws besides {@link CommandError}.
 */
export async function lsnsProcessCounts(run: Runner): Promise<Map<number, number> | undefined> {
  let listed: LsnsEntry[] | undefined;
  // lsns reads /proc while processes come and go, and exits 1 when one it is reading ends under it (seen on a busy
  // host); a second scan then usually passes. One that cannot be started (-1) is not tried again.
  for (let attempt = 1; listed === undefined; attempt++) {
    try {
      const r = await run(["lsns", "-J", "-t", "net", "-o", "NS,NPROCS"]);
      listed = r.stdout.trim() === "" ? [] : (parseToolJson(r.stdout) as { namespaces: LsnsEntry[] }).namespaces;
    } catch (e) {
      if (!(e instanceof CommandError)) throw e;
      if (attempt === LSNS_TRIES || e.code === -1) return undefined;
    }
  }
  return new Map(listed.map((e) => [Number(e.ns), Number(e.nprocs)]));
}

/** How many times {@link lsnsProcessCounts} runs `lsns` before it gives up on one scan. */
const LSNS_TRIES = 2;

/**
 * Counts the processes inside each of some named network namespaces, from
 * one scan of every process ({@link lsnsProcessCounts}): each name's inode
 * is that of its `/run/netns/NAME` bind mount (`stat`, no process). Where
 * `lsns` cannot be started or fails, each namespace is asked on its own with
 * `ip netns pids NAME` (a namespace that cannot be read counts 0, as there).
 *
 * @param run The process seam.
 * @param names Names in `/run/netns`.
 * @param inodeOf The inode of a name's namespace, `undefined` when the name is
 *   not a live namespace mount; by default from `stat` of `/run/netns/NAME`
 *   ({@link netnsIdentity}).
 * @param scanned A scan already started ({@link lsnsProcessCounts}); by default one is run when any name is live.
 * @returns The count for each name that is a live namespace mount; names that are not are left out.
 * @throws {Error} Only what the process seam throws besides {@link CommandError}.
 * @example
 * ```ts ignore
 * await netnsProcessCounts(run, ["web", "db"]); // Map { "web" => 2, "db" => 0 }
 * ```
 */
export async function netnsProcessCounts(
  run: Runner,
  names: readonly string[],
  inodeOf: (name: string) => number | undefined = (name) => netnsIdentity(name)?.ino,
  scanned?: Promise<Map<number, number> | undefined>,
): Promise<Map<string, number>> {
  const inodes = new Map<string, number>();
  for (const name of new Set(names)) {
    const ino = inodeOf(name);
    if (ino !== undefined) inodes.set(name, ino);
  }
  if (inodes.size === 0) return new Map();
  const byInode = await (scanned ?? lsnsProcessCounts(run));
  if (byInode === undefined) {
    const ip = new IpReader(run);
    return new Map(
      await Promise.all([...inodes.keys()].map(async (n) => [n, (await ip.netnsPids(n)).length] as const)),
    );
  }
  return new Map([...inodes].map(([name, ino]) => [name, byInode.get(ino) ?? 0]));
}
