/**
 * Per-interface kernel settings: the `net.ipv4.conf.<link>.*` and
 * `net.ipv6.conf.<link>.*` sysctls (Documentation/networking/ip-sysctl.rst),
 * with `all` and `default` among the "links", and the per-interface
 * neighbour settings `net.ipv{4,6}.neigh.<link>.*`. They are per network
 * namespace; read with sysctl(8), since Deno grants no access to `/proc/sys`
 * short of `--allow-all`. Read-only.
 *
 * @module
 */
import type { Runner } from "../exec/mod.ts";

/** Every exit code a started program can return. */
const ANY_EXIT: readonly number[] = Array.from({ length: 256 }, (_, i) => i);

/** The sysctl subtrees holding per-interface settings. */
export const LINK_SYSCTL_TREES = ["net.ipv4.conf", "net.ipv6.conf", "net.ipv4.neigh", "net.ipv6.neigh"] as const;

/** One per-interface setting. */
export interface LinkSysctl {
  /** `net.ipv4.conf`, `net.ipv6.conf`, `net.ipv4.neigh` or `net.ipv6.neigh`. */
  tree: (typeof LINK_SYSCTL_TREES)[number];
  /** Link name (may contain dots, e.g. `eth0.100`), or `all` / `default`. */
  dev: string;
  /** Setting name, e.g. `arp_ignore` (never contains a dot). */
  name: string;
  /** Value as sysctl prints it, e.g. `1` or `4096	87380	6291456`. */
  value: string;
}

/**
 * Parses sysctl(8) output lines `net.ipv4.conf.eth0.100.rp_filter = 1`: the
 * setting is the last dotted component, the link everything between the tree
 * and it (link names may contain dots, setting names never do).
 * @param text sysctl output.
 * @returns The settings, in output order; lines of other trees are skipped.
 */
export function parseLinkSysctls(text: string): LinkSysctl[] {
  const out: LinkSysctl[] = [];
  for (const line of text.split("\n")) {
    const eq = line.indexOf(" = ");
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const tree = LINK_SYSCTL_TREES.find((t) => key.startsWith(`${t}.`));
    const dot = key.lastIndexOf(".");
    if (!tree || dot <= tree.length) continue;
    out.push({ tree, dev: key.slice(tree.length + 1, dot), name: key.slice(dot + 1), value: line.slice(eq + 3) });
  }
  return out;
}

/**
 * The sysctl(8) path of one per-interface setting in its `/` form
 * (`net/ipv4/conf/eth0.100/rp_filter`), which names a link with dots
 * unambiguously.
 * @param tree The subtree, e.g. `net.ipv4.conf`.
 * @param dev Link name.
 * @param name Setting name.
 * @returns The path.
 */
export function linkSysctlPath(tree: LinkSysctl["tree"], dev: string, name: string): string {
  return `${tree.replaceAll(".", "/")}/${dev}/${name}`;
}

/**
 * Reads the per-interface settings of a network namespace with one
 * `sysctl net.ipv4.conf net.ipv6.conf net.ipv4.neigh net.ipv6.neigh`, or
 * only those of some interfaces (`sysctl net/ipv4/conf/eth0 …`: the `/` form
 * names a link with dots unambiguously; sysctl(8) prints keys with dots).
 * Unreadable keys (e.g. `stable_secret` while unset) are left out by sysctl;
 * with `devs`, so are keys that do not exist (`sysctl -e`): the neighbour
 * trees are not asked for `all`, which they never have, and have `default`
 * only in the initial network namespace.
 * @param run The process seam.
 * @param netns A named netns (read through `ip netns exec`), or `undefined`.
 * @param trees The subtrees to read; default all four.
 * @param devs Only these interfaces (`all` and `default` are names too); default every one.
 * @returns The settings; `[]` of a tree when IPv6 is disabled.
 * @throws {CommandError} When sysctl cannot be started.
 */
export async function readLinkSysctls(
  run: Runner,
  netns?: string,
  trees: readonly LinkSysctl["tree"][] = LINK_SYSCTL_TREES,
  devs?: readonly string[],
): Promise<LinkSysctl[]> {
  const keys = devs === undefined
    ? trees
    : trees.flatMap((t) =>
      devs.filter((d) => !(d === "all" && t.endsWith(".neigh"))).map((d) => `${t.replaceAll(".", "/")}/${d}`)
    );
  // The neighbour trees have no `all` (ip-sysctl.rst: neigh/default and one entry per interface), and their
  // `default` exists only in the initial network namespace: -e leaves unknown keys out without an error.
  const argv = [...(netns ? ["ip", "netns", "exec", netns] : []), "sysctl", ...(devs ? ["-e"] : []), ...keys];
  // sysctl exits non-zero when one subtree is missing (IPv6 disabled) or a key cannot be read (an unset
  // stable_secret), combining the codes of its arguments, but still prints every other key.
  return parseLinkSysctls((await run(argv, { okCodes: ANY_EXIT })).stdout);
}
