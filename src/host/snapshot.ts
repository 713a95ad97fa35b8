/**
 * Comparable snapshots of a network namespace's state. Tests and `rehearse`
 * prove "undo restored the host" by comparing snapshots taken before a run and
 * after its undo, not by trusting exit codes.
 *
 * @module
 */
import type { Runner } from "../exec/mod.ts";
import type { IpAddrInfo, IpNeigh, IpRoute, IpRule } from "./ip_json.ts";
import { type LinkSysctl, linkSysctlKey, readLinkSysctls } from "./link_sysctl.ts";
import { SnapshotIpReader } from "./memo.ts";
import { readNftRuleset } from "./nft.ts";

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
  /** Link group (ip-link(8) `group`), e.g. `default` or `7`; `""` when not shown. */
  group: string;
  /**
   * ip-link(8) flags without the carrier-dependent `LOWER_UP`, `NO-CARRIER`
   * and `M-DOWN`, e.g. `["BROADCAST", "MULTICAST", "UP"]`.
   */
  flags: string[];
}

/** One address with every attribute `ip -json addr` shows. */
export interface AddrState {
  /** Name of the link holding the address. */
  dev: string;
  /** `inet` or `inet6` (ip-address(8)). */
  family: string;
  /** The address without prefix, e.g. `198.51.100.10`; {@link TEMPORARY} for an IPv6 privacy address. */
  local: string;
  /** Prefix length in bits. */
  prefixlen: number;
  /** IPv4 broadcast address; `""` when none. */
  broadcast: string;
  /** `global`, `link` or `host`. */
  scope: string;
  /** IPv4 label, e.g. `eth0:1`; `""` for none (IPv6). */
  label: string;
  /** Metric of the address's prefix route; `-1` when none was set. */
  metric: number;
  /**
   * Every ip-address(8) flag that is set, sorted: `secondary`, `dynamic`,
   * `noprefixroute`, `nodad`, `home`, `mngtmpaddr`, `optimistic`,
   * `deprecated`, `tentative`, `dadfailed`, … (each `true` key of the JSON).
   */
  flags: string[];
  /**
   * Lifetimes as `valid/preferred`, each `forever` or `finite` (the seconds
   * left count down, so only their kind is comparable), e.g. `forever/forever`.
   */
  lifetimes: string;
}

/**
 * A snapshot: links, addresses in kernel order per link (order matters: the
 * first IPv4 address of a subnet is the primary), routes of both families in
 * every table, policy rules of both families, static neighbour entries,
 * per-interface sysctls, the nftables ruleset (each rendered as stable
 * one-line strings), and named netns.
 */
export interface Snapshot {
  /** Every link, sorted by name. */
  links: LinkState[];
  /** Every address, link by link in `ip addr` order, each link's addresses in kernel order. */
  addrs: AddrState[];
  /** IPv4 and IPv6 routes of every table as {@link routeLine} renders them, sorted. */
  routes: string[];
  /** IPv4 and IPv6 policy rules as {@link ruleLine} renders them, in priority order (IPv4 first). */
  rules: string[];
  /** Permanent and proxy neighbour entries as {@link neighLine} renders them, sorted. */
  neighbours: string[];
  /**
   * Per-interface settings (`net.ipv{4,6}.conf.*`, `net.ipv{4,6}.neigh.*`,
   * including `all` and `default`) as `KEY = VALUE` lines, sorted.
   */
  sysctls: string[];
  /** The nftables ruleset (`nft list ruleset`), one line each; `["(nft not installed)"]` without nft. */
  nftables: string[];
  /** Names of the named network namespaces, sorted; `[]` when the snapshot is of a named netns. */
  netns: string[];
}

/** `ip -json` prints this for a lifetime that never ends (ip-address(8) `forever`). */
const FOREVER = 4294967295;

/**
 * The flags of an address: every key of its JSON whose value is `true`.
 * @param a One `addr_info` entry.
 * @returns The flag names, sorted.
 */
export function addrFlags(a: IpAddrInfo): string[] {
  return Object.entries(a).filter(([, v]) => v === true).map(([k]) => k).sort();
}

/**
 * Renders a policy rule as one stable line: the family and every field of
 * its JSON in `ip`'s order, e.g. `ipv4 priority=100 src=all iif=eth0 table=100 protocol=boot`.
 * @param r A rule from `ip -json -details rule show`.
 * @param family 4 or 6.
 * @returns The line.
 */
export function ruleLine(r: IpRule, family: 4 | 6): string {
  return [`ipv${family}`, ...Object.entries(r).map(([k, v]) => (v === null ? k : `${k}=${v}`))].join(" ");
}

/**
 * Renders a static neighbour entry as one stable line, e.g.
 * `eth0 198.51.100.1 lladdr 02:00:00:00:00:01 PERMANENT`.
 * @param n An entry from `ip -json neigh show`.
 * @returns The line.
 */
export function neighLine(n: IpNeigh): string {
  const flags = Object.entries(n).filter(([, v]) => v === null).map(([k]) => k).sort();
  return [n.dev, n.dst, n.lladdr ? `lladdr ${n.lladdr}` : "", ...(n.state ?? []), ...flags].filter((x) => x !== "")
    .join(" ");
}

/** The keys of `ip -json route` that {@link routeLine} renders by name. */
const ROUTE_LINE_KEYS: ReadonlySet<string> = new Set([
  "type",
  "dst",
  "gateway",
  "dev",
  "protocol",
  "scope",
  "prefsrc",
  "metric",
  "table",
  "flags",
  "pref",
  "tos",
  "metrics",
  "nhid",
  "nexthops",
  "flow",
  "expires",
]);

/**
 * What a snapshot shows for an IPv6 privacy address (`temporary`, RFC 8981)
 * instead of the address: the kernel picks a new random one whenever it makes
 * one (after a link restart, or on a bridge it moved to), so only that one
 * exists, with its prefix, flags and lifetimes, is comparable.
 */
export const TEMPORARY = "(temporary)";

/**
 * A route with a privacy address of the host (its `local` route, or a
 * preferred source) shown as {@link TEMPORARY}.
 * @param r A route.
 * @param temporary The host's privacy addresses.
 * @returns `r`, or a copy with those addresses replaced.
 */
function withoutTemporary(r: IpRoute, temporary: ReadonlySet<string>): IpRoute {
  if (temporary.size === 0) return r;
  const out = { ...r };
  if (temporary.has(out.dst)) out.dst = TEMPORARY;
  if (out.prefsrc && temporary.has(out.prefsrc)) out.prefsrc = TEMPORARY;
  return out;
}

/**
 * Renders a route as one stable line (the seconds left of an expiring
 * route are left out, only that it expires is kept), e.g.
 * `table main default via 198.51.100.1 dev eth0 proto static metric 100`.
 * Every key `ip -json route` shows is in the line: the known ones by name
 * (realms as `realm FROM/TO`), any other (e.g. `encap`, or one a newer
 * iproute2 adds) as `KEY JSON`, so no attribute changes unseen.
 * @param r A route from `ip -json route show table all`.
 * @param family 4 or 6.
 * @returns The line.
 */
export function routeLine(
  r: IpRoute,
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
    r.pref ? `pref ${r.pref}` : "",
    r.tos ? `tos ${r.tos}` : "",
    r.metrics?.length ? `metrics ${JSON.stringify(r.metrics)}` : "",
    r.nhid !== undefined ? `nhid ${r.nhid}` : "",
    r.nexthops ? `nexthops ${JSON.stringify(r.nexthops)}` : "",
    r.flow ? `realm ${r.flow.from ?? "-"}/${r.flow.to ?? "-"}` : "",
    r.expires !== undefined ? "expires" : "",
    ...Object.entries(r).filter(([k]) => !ROUTE_LINE_KEYS.has(k)).map(([k, v]) => `${k} ${JSON.stringify(v)}`),
  ].filter((s) => s !== "").join(" ");
}

/**
 * How a snapshot reads the per-interface settings of a namespace: every
 * setting of every link, as {@link readLinkSysctls} reads them with its
 * defaults (the four trees, every link).
 */
export type LinkSysctlReader = (run: Runner, netns?: string) => Promise<LinkSysctl[]>;

/**
 * Takes a snapshot of a network namespace.
 *
 * @param run The process seam (spawns `ip -json`: links, addresses, routes
 *   and static neighbour entries in one `ip -json -details -batch -`, rules,
 *   sysctl and nft each on their own).
 * @param netns A named netns, or `undefined` for the caller's own.
 * @param readSysctls How the per-interface settings are read: by default
 *   {@link readLinkSysctls} (sysctl(8), two or three processes); the test
 *   harness passes a reader of the same settings in one process (it may run
 *   programs nsrecipe's permission set does not allow), proven equal to this
 *   one by a test.
 * @returns The snapshot.
 * @throws {CommandError} When `ip` fails, or a setting cannot be read.
 */
export async function takeSnapshot(
  run: Runner,
  netns?: string,
  readSysctls: LinkSysctlReader = readLinkSysctls,
): Promise<Snapshot> {
  const ip = new SnapshotIpReader(run);
  // Links with their addresses, the routes of both families and the static neighbour entries come from one
  // `ip -batch` process (SnapshotIpReader.prefetch; read one by one when the batch fails), the rest beside it.
  const lists = ip.prefetch(netns).then(() =>
    Promise.all([
      ip.links(netns),
      ip.addrs(netns),
      ip.routes(4, netns),
      ip.routes(6, netns),
      ip.staticNeighbours(netns),
    ])
  );
  const [[links, addrLinks, r4, r6, neighbours], rules4, rules6, sysctls, nft] = await Promise.all([
    lists,
    ip.rules(4, netns),
    ip.rules(6, netns),
    readSysctls(run, netns),
    readNftRuleset(run, netns),
  ]);
  const netnsNames = netns === undefined ? (await ip.netnsList()).map((n) => n.name).sort() : [];
  const temporary = new Set(addrLinks.flatMap((l) => l.addr_info.filter((a) => a.temporary).map((a) => a.local)));
  const life = (s: number | undefined) => (s === undefined || s === FOREVER ? "forever" : "finite");
  return {
    links: links.map((l) => ({
      name: l.ifname,
      kind: l.linkinfo?.info_kind ?? l.link_type ?? "",
      mtu: l.mtu,
      mac: l.address ?? "",
      master: l.master ?? "",
      group: l.group ?? "",
      flags: l.flags.filter((f) => f !== "LOWER_UP" && f !== "NO-CARRIER" && f !== "M-DOWN"),
    })).sort((a, b) => a.name.localeCompare(b.name)),
    addrs: addrLinks.flatMap((l) =>
      l.addr_info.map((a) => ({
        dev: l.ifname,
        family: a.family,
        local: a.temporary ? TEMPORARY : a.local,
        prefixlen: a.prefixlen,
        broadcast: a.broadcast ?? "",
        scope: a.scope,
        label: a.label ?? "",
        metric: a.metric ?? -1,
        flags: addrFlags(a),
        lifetimes: `${life(a.valid_life_time)}/${life(a.preferred_life_time)}`,
      }))
    ),
    routes: [...r4.map((r) => routeLine(r, 4)), ...r6.map((r) => routeLine(withoutTemporary(r, temporary), 6))].sort(),
    rules: [...rules4.map((r) => ruleLine(r, 4)), ...rules6.map((r) => ruleLine(r, 6))],
    neighbours: neighbours.map(neighLine).sort(),
    sysctls: sysctls.map((x) => `${linkSysctlKey(x.tree, x.dev, x.name)} = ${x.value}`).sort(),
    nftables: nft === undefined ? ["(nft not installed)"] : nft.split("\n").filter((l) => l.trim() !== ""),
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
  side("rule", before.rules, after.rules);
  side("neighbour", before.neighbours, after.neighbours);
  side("sysctl", before.sysctls, after.sysctls);
  side("nft", before.nftables, after.nftables);
  side("netns", before.netns, after.netns);
  // The order of usable addresses (source address selection's last tie-breaker); one that failed DAD is never a
  // candidate, so its place among the others (IPv6 re-adds go first) changes nothing.
  const order = (s: Snapshot) =>
    s.addrs.filter((a) => !a.flags.includes("dadfailed")).map((a) => `${a.dev} ${a.local}`).join(",");
  if (lines.length === 0 && order(before) !== order(after)) {
    lines.push(`~ address order: ${order(before)} -> ${order(after)}`);
  }
  if (lines.length === 0 && before.rules.join("\n") !== after.rules.join("\n")) {
    lines.push(`~ rule order: ${before.rules.join("; ")} -> ${after.rules.join("; ")}`);
  }
  return lines;
}
