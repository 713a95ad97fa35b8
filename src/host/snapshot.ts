/**
 * Comparable snapshots of a network namespace's state. Tests and `rehearse`
 * prove "undo restored the host" by comparing snapshots taken before a run and
 * after its undo, not by trusting exit codes.
 *
 * @module
 */
import type { Runner } from "../exec/mod.ts";
import { IpReader } from "./ip_json.ts";

/** The parts of a link that undo must restore. Interface indexes are left out: a re-created link gets a new one. */
export interface LinkState {
  /** Link name, e.g. `eth0` (ip-link(8) `ifname`). */
  name: string;
  /** `linkinfo.info_kind` (`veth`, `bridge`, …), else `link_type` (`ether`, `loopback`), else `""`. */
  kind: string;
  /** MTU in bytes. */
  mtu: number;
  /** Link-layer address, e.g. `02:00:5e:10:00:01`; `""` when the link has none. */
  mac: string;
  /** Name of the master (bridge) the link is enslaved to; `""` when none. */
  master: string;
  /**
   * ip-link(8) flags without the carrier-dependent `LOWER_UP`, `NO-CARRIER`
   * and `M-DOWN`, e.g. `["BROADCAST", "MULTICAST", "UP"]`.
   */
  flags: string[];
}

/** One address with every attribute `ip addr add` can set. */
export interface AddrState {
  /** Name of the link holding the address. */
  dev: string;
  /** `inet` or `inet6` (ip-address(8)). */
  family: string;
  /** The address without prefix, e.g. `198.51.100.10`. */
  local: string;
  /** Prefix length in bits. */
  prefixlen: number;
  /** IPv4 broadcast address; `""` when none. */
  broadcast: string;
  /** `global`, `link` or `host`. */
  scope: string;
  /** IPv4 label, e.g. `eth0:1`; `""` for none (IPv6). */
  label: string;
  /**
   * The ip-address(8) flags that are set, in this order: `secondary`,
   * `dynamic`, `noprefixroute`, `nodad`, `tentative`, `dadfailed`.
   */
  flags: string[];
}

/**
 * A snapshot: links, addresses in kernel order per link (order matters: the
 * first IPv4 address of a subnet is the primary), routes of both families in
 * every table (rendered as stable one-line strings), and named netns.
 */
export interface Snapshot {
  /** Every link, sorted by name. */
  links: LinkState[];
  /** Every address, link by link in `ip addr` order, each link's addresses in kernel order. */
  addrs: AddrState[];
  /** IPv4 and IPv6 routes of every table as {@link routeLine} renders them, sorted. */
  routes: string[];
  /** Names of the named network namespaces, sorted; `[]` when the snapshot is of a named netns. */
  netns: string[];
}

const ADDR_FLAGS = ["secondary", "dynamic", "noprefixroute", "nodad", "tentative", "dadfailed"] as const;

/**
 * Renders a route as one stable line, e.g.
 * `table main default via 198.51.100.1 dev eth0 proto static metric 100`.
 * @param r A route from `ip -json route show table all`.
 * @param family 4 or 6.
 * @returns The line.
 */
export function routeLine(
  r: {
    type?: string;
    dst: string;
    gateway?: string;
    dev?: string;
    protocol?: string;
    scope?: string;
    prefsrc?: string;
    metric?: number;
    table?: string;
    flags?: string[];
  },
  family: 4 | 6,
): string {
  return [
    `ipv${family}`,
    `table ${r.table ?? "main"}`,
    r.type && r.type !== "unicast" ? r.type : "",
    r.dst,
    r.gateway ? `via ${r.gateway}` : "",
    r.dev ? `dev ${r.dev}` : "",
    r.protocol ? `proto ${r.protocol}` : "",
    r.scope ? `scope ${r.scope}` : "",
    r.prefsrc ? `src ${r.prefsrc}` : "",
    r.metric !== undefined ? `metric ${r.metric}` : "",
    (r.flags ?? []).filter((f) => f !== "linkdown").join(","),
  ].filter((s) => s !== "").join(" ");
}

/**
 * Takes a snapshot of a network namespace.
 *
 * @param run The process seam (spawns `ip -json`).
 * @param netns A named netns, or `undefined` for the caller's own.
 * @returns The snapshot.
 * @throws {CommandError} When `ip` fails.
 */
export async function takeSnapshot(run: Runner, netns?: string): Promise<Snapshot> {
  const ip = new IpReader(run);
  const [links, addrLinks, r4, r6] = await Promise.all([
    ip.links(netns),
    ip.addrs(netns),
    ip.routes(4, netns),
    ip.routes(6, netns),
  ]);
  const netnsNames = netns === undefined ? (await ip.netnsList()).map((n) => n.name).sort() : [];
  return {
    links: links.map((l) => ({
      name: l.ifname,
      kind: l.linkinfo?.info_kind ?? l.link_type ?? "",
      mtu: l.mtu,
      mac: l.address ?? "",
      master: l.master ?? "",
      flags: l.flags.filter((f) => f !== "LOWER_UP" && f !== "NO-CARRIER" && f !== "M-DOWN"),
    })).sort((a, b) => a.name.localeCompare(b.name)),
    addrs: addrLinks.flatMap((l) =>
      l.addr_info.map((a) => ({
        dev: l.ifname,
        family: a.family,
        local: a.local,
        prefixlen: a.prefixlen,
        broadcast: a.broadcast ?? "",
        scope: a.scope,
        label: a.label ?? "",
        flags: ADDR_FLAGS.filter((f) => a[f] === true),
      }))
    ),
    routes: [...r4.map((r) => routeLine(r, 4)), ...r6.map((r) => routeLine(r, 6))].sort(),
    netns: netnsNames,
  };
}

/**
 * Lists the differences between two snapshots, one readable line each.
 *
 * @param before The earlier snapshot.
 * @param after The later snapshot.
 * @returns `[]` when equal; otherwise lines like `- route ipv4 table main default via …`.
 */
export function diffSnapshots(before: Snapshot, after: Snapshot): string[] {
  const lines: string[] = [];
  const side = (tag: string, a: string[], b: string[]) => {
    const sb = new Set(b), sa = new Set(a);
    for (const x of a) if (!sb.has(x)) lines.push(`- ${tag} ${x}`);
    for (const x of b) if (!sa.has(x)) lines.push(`+ ${tag} ${x}`);
  };
  side("link", before.links.map((l) => JSON.stringify(l)), after.links.map((l) => JSON.stringify(l)));
  side("addr", before.addrs.map((a) => JSON.stringify(a)), after.addrs.map((a) => JSON.stringify(a)));
  side("route", before.routes, after.routes);
  side("netns", before.netns, after.netns);
  const order = (s: Snapshot) => s.addrs.map((a) => `${a.dev} ${a.local}`).join(",");
  if (lines.length === 0 && order(before) !== order(after)) {
    lines.push(`~ address order: ${order(before)} -> ${order(after)}`);
  }
  return lines;
}
