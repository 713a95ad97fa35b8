/**
 * Facts read from the filesystem rather than from netlink: the kernel's
 * per-device directories in sysfs (Documentation/ABI/testing/sysfs-class-net)
 * and the `/run/netns` bind mounts of ip-netns(8).
 *
 * @module
 */
import type { Runner } from "../exec/mod.ts";
import { IpReader } from "./ip_json.ts";

/** Where ip-netns(8) keeps the bind mounts that name network namespaces. */
export const NETNS_RUN_DIR = "/run/netns";

/**
 * The names under `/run/netns` that something is mounted on, from
 * `/proc/self/mountinfo` (proc(5): the fifth field is the mount point, with
 * space, tab, newline and backslash escaped as octal), read with `cat`
 * through the process seam. One read covers every namespace.
 *
 * @param run The process seam.
 * @returns Names, e.g. `web` for a mount on `/run/netns/web`.
 * @throws {CommandError} When `cat` fails.
 */
export async function netnsMounts(run: Runner): Promise<Set<string>> {
  const text = (await run(["cat", "/proc/self/mountinfo"])).stdout;
  const prefix = `${NETNS_RUN_DIR}/`;
  const names = new Set<string>();
  for (const line of text.split("\n")) {
    const point = line.split(" ")[4]?.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
    if (point?.startsWith(prefix) && !point.slice(prefix.length).includes("/")) names.add(point.slice(prefix.length));
  }
  return names;
}

/**
 * What an entry `/run/netns/NAME` is, from the names `ip netns list` reads in
 * that directory and the names mounted there ({@link netnsMounts}): `live`
 * when a network namespace is bind-mounted on it; `stale` when it is a
 * leftover file nothing is mounted on (after a crash: `ip netns exec` would
 * fail on it, and a careless tool would run its shell in the host's
 * namespace); `absent` when there is no entry.
 *
 * @param name The namespace name.
 * @param listed Names in `/run/netns` (`ip -json netns list`).
 * @param mounted Names mounted there.
 * @returns The state.
 */
export function entryState(
  name: string,
  listed: readonly string[],
  mounted: ReadonlySet<string>,
): "absent" | "live" | "stale" {
  if (!listed.includes(name)) return "absent";
  return mounted.has(name) ? "live" : "stale";
}

/**
 * {@link entryState} of one `/run/netns` entry, read through the process seam
 * (`ip -json netns list` and `cat /proc/self/mountinfo`).
 *
 * @param run The process seam.
 * @param name The namespace name.
 * @returns `"absent"`, `"live"` or `"stale"`.
 * @throws {CommandError} When `ip` or `cat` fails.
 */
export async function netnsEntryState(run: Runner, name: string): Promise<"absent" | "live" | "stale"> {
  const [listed, mounted] = await Promise.all([
    new IpReader(run).netnsList().then((l) => l.map((n) => n.name)),
    netnsMounts(run),
  ]);
  return entryState(name, listed, mounted);
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
