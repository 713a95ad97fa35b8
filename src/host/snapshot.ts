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
  name: string;
  kind: string;
  mtu: number;
  mac: string;
  master: string;
  flags: string[];
}

/** One address with every attribute `ip addr add` can set. */
export interface AddrState {
  dev: string;
  family: string;
  local: string;
  prefixlen: number;
  broadcast: string;
  scope: string;
  label: string;
  flags: string[];
}

/**
 * A snapshot: links, addresses in kernel order per link (order matters: the
 * first IPv4 address of a subnet is the primary), routes of both families in
 * every table (rendered as stable one-line strings), and named netns.
 */
export interface Snapshot {
  links: LinkState[];
  addrs: AddrState[];
  routes: string[];
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
