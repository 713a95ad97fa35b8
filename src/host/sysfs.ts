/**
 * Facts read from the filesystem rather than from netlink: the kernel's
 * per-device directories in sysfs (Documentation/ABI/testing/sysfs-class-net)
 * and the `/run/netns` bind mounts of ip-netns(8).
 *
 * @module
 */
import type { Runner } from "../exec/mod.ts";

/** Where ip-netns(8) keeps the bind mounts that name network namespaces. */
export const NETNS_RUN_DIR = "/run/netns";

/**
 * What an entry `/run/netns/NAME` is now, read from the filesystem without a
 * process: lstat(2) of the entry against stat(2) of the directory. `live`
 * when something is mounted on it (a network namespace, bind-mounted there by
 * `ip netns add`, ip-netns(8)): the entry then reports the mounted object's
 * device (nsfs), not the directory's; `stale` when it is a leftover file on
 * the directory's own filesystem that nothing is mounted on (after a crash:
 * `ip netns exec` would fail on it, and a careless tool would run its shell
 * in the host's namespace); `absent` when there is no entry.
 *
 * @param name The namespace name.
 * @returns The state.
 * @throws {Deno.errors.PermissionDenied} | {Deno.errors.NotCapable} Without read access to `/run/netns`.
 * @example
 * ```ts ignore
 * netnsEntryState("web"); // "live" after `ip netns add web`
 * ```
 */
export function netnsEntryState(name: string): "absent" | "live" | "stale" {
  try {
    const entry = Deno.lstatSync(`${NETNS_RUN_DIR}/${name}`);
    return entry.dev === Deno.statSync(NETNS_RUN_DIR).dev ? "stale" : "live";
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return "absent";
    throw e;
  }
}

/**
 * The names `/run/netns` holds now, read from the filesystem without a
 * process: what `ip netns list` lists (ip-netns(8): the entries of that
 * directory), live or stale alike ({@link netnsEntryState} tells them apart).
 *
 * @returns The names, in directory order; `[]` when the directory does not exist or cannot be read (without read
 *   access the caller's own `ip netns list` says what there is).
 * @example
 * ```ts ignore
 * netnsNamesNow(); // ["web", "lab-lan"] after `ip netns add web`
 * ```
 */
export function netnsNamesNow(): string[] {
  try {
    return [...Deno.readDirSync(NETNS_RUN_DIR)].map((e) => e.name);
  } catch (e) {
    if (
      e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory ||
      e instanceof Deno.errors.PermissionDenied || e instanceof Deno.errors.NotCapable
    ) return [];
    throw e;
  }
}

/**
 * Whether a link is a wireless device: its sysfs `uevent` says
 * `DEVTYPE=wlan` (cfg80211 sets it; Documentation/ABI/testing/sysfs-class-net).
 * Read with `cat`, since Deno grants no read access to `/sys` short of
 * `--allow-all`.
 *
 * @param run The process seam.
 * @param dev Link name in the caller's network namespace (sysfs must be
 *   mounted for that namespace, as the lab does).
 * @returns `true` for a wireless device; `false` also when the link is gone.
 */
export async function isWireless(run: Runner, dev: string): Promise<boolean> {
  const r = await run(["cat", `/sys/class/net/${dev}/uevent`], { okCodes: [0, 1] });
  return r.code === 0 && /^DEVTYPE=wlan$/m.test(r.stdout);
}
