/**
 * Multicast groups joined on a link by the host's sockets (`IP_ADD_MEMBERSHIP`
 * / `IPV6_JOIN_GROUP` with the link's index, ip(7), ipv6(7)): OSPF
 * (224.0.0.5), VRRP (224.0.0.18), PTP, mDNS, IPTV receivers. The kernel keeps
 * the membership on that link (`ip maddr show dev DEV`); once the uplink is a
 * bridge port, multicast for the host is delivered up the stack on the
 * bridge, which never joined, so these sockets stop receiving while the host
 * looks fine. A membership belongs to its socket: nsrecipe cannot move it.
 *
 * Read from `/proc/net/igmp` and `/proc/net/igmp6`, which give each group's
 * user count (net/ipv4/igmp.c `igmp_mc_seq_show`, net/ipv6/mcast.c
 * `igmp6_mc_seq_show`) but not the sockets: no interface (ss(8) included)
 * tells which socket joined a group.
 *
 * @module
 */
import { CommandError } from "../errors.ts";
import type { Runner } from "../exec/mod.ts";

/** One multicast group joined on a link. */
export interface MulticastGroup {
  /** The link, e.g. `eth0`. */
  dev: string;
  /** The group, e.g. `239.1.2.3` or `ff05::1:3`. */
  group: string;
  /** How many joined it (the kernel's own joins and sockets alike). */
  users: number;
}

/**
 * The IPv4 group of `/proc/net/igmp`'s hex field: the `__be32` printed as a
 * host-order integer (`%08X`), so byte-reversed on a little-endian machine
 * (`030201EF` → `239.1.2.3`). A multicast group's first byte is 224–239,
 * which tells the order.
 */
function igmpGroup(hex: string): string {
  const bytes = hex.match(/../g)!.map((b) => parseInt(b, 16));
  const le = bytes[3] >= 224 && bytes[3] <= 239;
  return (le ? bytes.reverse() : bytes).join(".");
}

/** An IPv6 address from 32 hex digits, in the shortest form (RFC 5952), e.g. `ff02::1:ff00:10`. */
function ipv6FromHex(hex: string): string {
  const words = hex.match(/.{4}/g)!.map((w) => parseInt(w, 16).toString(16));
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8;) {
    if (words[i] !== "0") {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === "0") j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j;
  }
  if (best.at < 0) return words.join(":");
  return `${words.slice(0, best.at).join(":")}::${words.slice(best.at + best.len).join(":")}`;
}

/**
 * Parses `/proc/net/igmp`: a device line `IDX DEV : COUNT QUERIER`, then one
 * line per group `HEX USERS TIMER REPORTER`.
 * @param text The file.
 * @returns The groups, in the file's order.
 * @example
 * ```ts
 * parseIgmp("Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter\n2\teth0      :     2      V3\n\t\t\t\t030201EF     1 0:00000000\t\t0\n");
 * // [{ dev: "eth0", group: "239.1.2.3", users: 1 }]
 * ```
 */
export function parseIgmp(text: string): MulticastGroup[] {
  const out: MulticastGroup[] = [];
  let dev: string | undefined;
  for (const line of text.split("\n")) {
    const head = line.match(/^\d+\s+(\S+)\s*:/);
    if (head) {
      dev = head[1];
      continue;
    }
    const g = line.match(/^\s+([0-9A-Fa-f]{8})\s+(\d+)\s/);
    if (g && dev) out.push({ dev, group: igmpGroup(g[1]), users: Number(g[2]) });
  }
  return out;
}

/**
 * Parses `/proc/net/igmp6`: one line per group, `IDX DEV HEX32 USERS FLAGS TIMER`.
 * @param text The file.
 * @returns The groups, in the file's order.
 * @example
 * ```ts
 * parseIgmp6("2    eth0            ff050000000000000000000000010003     1 00000004 0\n");
 * // [{ dev: "eth0", group: "ff05::1:3", users: 1 }]
 * ```
 */
export function parseIgmp6(text: string): MulticastGroup[] {
  const out: MulticastGroup[] = [];
  for (const line of text.split("\n")) {
    const m = line.match(/^\s*\d+\s+(\S+)\s+([0-9a-fA-F]{32})\s+(\d+)\s/);
    if (m) out.push({ dev: m[1], group: ipv6FromHex(m[2].toLowerCase()), users: Number(m[3]) });
  }
  return out;
}

/**
 * The groups the kernel joins by itself on an up link, and how many of its own
 * joins each counts: all-hosts 224.0.0.1 (net/ipv4/igmp.c `ip_mc_up`),
 * all-nodes ff02::1 and ff01::1 (net/ipv6/addrconf.c `ipv6_add_dev`), and
 * all-routers ff02::2, ff01::2, ff05::2 while forwarding (`dev_forward_change`).
 * The solicited-node groups ff02::1:ffXX:XXXX of its own addresses are
 * recognised by prefix.
 */
const KERNEL_GROUPS = new Set(["224.0.0.1", "ff02::1", "ff01::1", "ff02::2", "ff01::2", "ff05::2"]);

/**
 * The groups a bridge joins by itself on its own device while it snoops
 * multicast (the default, `mcast_snooping 1`): Multicast Router Discovery's
 * all-snoopers groups 224.0.0.106 and ff02::6a (RFC 4286; net/bridge/
 * br_multicast.c `br_multicast_join_snoopers`), one kernel user each.
 */
const BRIDGE_GROUPS = new Set(["224.0.0.106", "ff02::6a"]);

/** Whether a group is IPv6 solicited-node (ff02::1:ff00:0/104, RFC 4291 §2.7.1): joined per address by the kernel. */
function solicitedNode(group: string): boolean {
  return /^ff02::1:ff[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(group);
}

/**
 * The groups joined on a link beyond the kernel's own (see the module doc):
 * any other group, or a kernel group with more than the kernel's one user
 * (a socket joined it too).
 * @param groups Every group (`HostFacts.multicastGroups`).
 * @param dev The link, e.g. `eth0`.
 * @param kind The link's kind (`linkinfo.info_kind` of `ip -details`), e.g. `bridge`: a bridge's own groups
 *   ({@link BRIDGE_GROUPS}) count as the kernel's.
 * @returns One phrase each, e.g. `239.1.2.3` or `224.0.0.1 (2 users, 1 of them the kernel)`.
 */
export function groupsJoinedBySockets(groups: readonly MulticastGroup[], dev: string, kind?: string): string[] {
  const own = (group: string) => KERNEL_GROUPS.has(group) || (kind === "bridge" && BRIDGE_GROUPS.has(group));
  return groups.filter((g) => g.dev === dev && !solicitedNode(g.group)).flatMap((g) => {
    if (!own(g.group)) return [g.users > 1 ? `${g.group} (${g.users} users)` : g.group];
    return g.users > 1 ? [`${g.group} (${g.users} users, 1 of them the kernel)`] : [];
  });
}

/**
 * Reads the multicast groups of every link of the host's network namespace.
 * @param run The process seam (spawns `cat`).
 * @returns IPv4 then IPv6 groups; `undefined` when neither file can be read
 *   (no `/proc/net/igmp*`: a kernel without multicast).
 * @throws {CommandError} When `cat` cannot be run for another reason than a missing file.
 */
export async function readMulticastGroups(run: Runner): Promise<MulticastGroup[] | undefined> {
  const read = async (path: string): Promise<string | undefined> => {
    const r = await run(["cat", "--", path], { okCodes: [0, 1] }).catch((e) => {
      if (e instanceof CommandError && e.code === -1) return undefined;
      throw e;
    });
    return r?.code === 0 ? r.stdout : undefined;
  };
  const [v4, v6] = await Promise.all([read("/proc/net/igmp"), read("/proc/net/igmp6")]);
  if (v4 === undefined && v6 === undefined) return undefined;
  return [...parseIgmp(v4 ?? ""), ...parseIgmp6(v6 ?? "")];
}
