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
 * Whether `/run/netns/NAME` is a live namespace bind mount or a stale entry
 * (a plain file left by a crash, on which `ip netns exec` would fail and a
 * careless tool would run its shell in the host's namespace).
 *
 * A bind mount of an nsfs inode sits on a different device than the
 * directory holding it; a stale plain file sits on the directory's own device.
 *
 * @param name The namespace name.
 * @returns `"absent"`, `"live"` or `"stale"`.
 * @throws {Deno.errors.PermissionDenied} Without read access to `/run/netns`.
 */
export function netnsEntryState(name: string): "absent" | "live" | "stale" {
  let dir: Deno.FileInfo, entry: Deno.FileInfo;
  try {
    dir = Deno.statSync(NETNS_RUN_DIR);
    entry = Deno.statSync(`${NETNS_RUN_DIR}/${name}`);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return "absent";
    throw e;
  }
  return entry.dev !== dir.dev ? "live" : "stale";
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
