/**
 * Which of the uplink's routes full-migrate moves, and in what order. Pure.
 *
 * Kernel behaviour relied on (ip-route(8), ip-address(8), net/ipv4/fib_semantics.c
 * `fib_check_nh`, net/ipv6/route.c `ip6_route_check_nh`):
 * - an address added without `noprefixroute` makes the kernel add its prefix
 *   route itself (`proto kernel`, IPv4 `scope link src ADDR`, metric the
 *   address's `metric`, IPv4 default 0, IPv6 default 256); that route follows
 *   the address to the bridge on its own and must not be moved. Any other
 *   route, even one marked `proto kernel` by a network manager that adds
 *   addresses with `noprefixroute` and their subnet routes itself, is moved;
 * - a route `via GW` is accepted only while GW is reachable through a route
 *   without gateway (a connected or host route, `scope link`) on the same
 *   device: such a route must be added after the routes it relies on, and
 *   deleted before them.
 *
 * @module
 */
import type { HostFacts, IpAddrInfo, IpRoute } from "../src/host/mod.ts";
import { raHoplimit, type RouteSpec, routeSpecFromJson } from "../src/steps/mod.ts";
import { inSubnet, parseSubnet } from "./subnet.ts";

/**
 * The canonical form of a route destination or address prefix, so that
 * `2001:db8:1::/64` and `2001:db8:1:0::/64` compare equal.
 * @param cidr `default`, a bare address or a CIDR.
 * @param family 4 or 6.
 * @returns e.g. `198.51.100.0/24`; `default` is `0.0.0.0/0` or `::/0`.
 */
export function canonicalPrefix(cidr: string, family: 4 | 6): string {
  if (cidr === "default") return family === 4 ? "0.0.0.0/0" : "::/0";
  const s = parseSubnet(cidr.includes("/") ? cidr : `${cidr}/${family === 4 ? 32 : 128}`, "route");
  return `${s.network}/${s.prefix}`;
}

/**
 * Whether a route is the prefix route the kernel made for one of the link's
 * addresses (so it follows the address and must not be moved): `proto
 * kernel`, no gateway, main table, the prefix of an address of the same
 * family added without `noprefixroute`, with that address's metric (IPv4
 * default 0, IPv6 256) and, for IPv4, `src` that address.
 * @param r A route through the link.
 * @param family 4 or 6.
 * @param addrs Every address of the link (link-local ones too).
 * @returns `true` for an address's own prefix route.
 */
export function isAddressPrefixRoute(r: IpRoute, family: 4 | 6, addrs: readonly IpAddrInfo[]): boolean {
  if (r.protocol !== "kernel" || r.gateway || (r.table ?? "main") !== "main") return false;
  const dst = canonicalPrefix(r.dst, family);
  return addrs.some((a) =>
    (a.family === "inet") === (family === 4) && !a.noprefixroute &&
    canonicalPrefix(`${a.local}/${a.prefixlen}`, family) === dst &&
    (r.metric ?? 0) === (a.metric ?? (family === 4 ? 0 : 256)) &&
    (family === 6 || r.prefsrc === a.local)
  );
}

/**
 * Whether a route is one the kernel keeps for the link's addresses on its
 * own, so it follows them to the bridge and must not be moved: an address's
 * prefix route ({@link isAddressPrefixRoute}) or a `proto kernel` entry of
 * table `local` (each address's `local` route, IPv4 `broadcast` routes, IPv6
 * subnet-router `anycast` routes and the `multicast ff00::/8` route, all made
 * and removed with the addresses and the link, net/ipv4/fib_frontend.c
 * `fib_add_ifaddr`, net/ipv6/addrconf.c). An admin's entry of table `local`
 * (an AnyIP `local 203.0.113.0/24 dev eth0 table local`) has `proto boot`
 * or another, never `kernel`.
 * @param r A route through the link.
 * @param family 4 or 6.
 * @param addrs Every address of the link.
 * @returns `true` for a route the kernel re-creates on the bridge.
 */
export function isKernelOwnRoute(r: IpRoute, family: 4 | 6, addrs: readonly IpAddrInfo[]): boolean {
  return ((r.table ?? "main") === "local" && r.protocol === "kernel") || isAddressPrefixRoute(r, family, addrs);
}

/** Route types full-migrate re-creates on the bridge exactly (ip-route(8) TYPE); the others have no device to move. */
const MOVABLE_TYPES: ReadonlySet<string> = new Set(["unicast", "local", "broadcast", "anycast"]);

/**
 * The routes of one family through a link that full-migrate considers: every
 * table, every protocol, but not those the kernel keeps for the link's
 * addresses ({@link isKernelOwnRoute}). Routes learned from router
 * advertisements (`proto ra`) move too: a user-space RA client
 * (NetworkManager, systemd-networkd) does not follow the uplink to the bridge,
 * and the kernel learns them on the bridge only from the next advertisement
 * (up to MaxRtrAdvInterval, 600 s by default, RFC 4861) and only if it
 * handles advertisements there (`accept_ra`, ignored at 1 while `forwarding`
 * is on; Documentation/networking/ip-sysctl.rst); left on the enslaved uplink
 * they point at a port where neighbour discovery never completes.
 */
function candidateRoutes(facts: HostFacts, uplink: string, family: 4 | 6): IpRoute[] {
  const addrs = facts.addrs.find((l) => l.ifname === uplink)?.addr_info ?? [];
  return (family === 4 ? facts.routes4 : facts.routes6).filter((r) =>
    r.dev === uplink && !isKernelOwnRoute(r, family, addrs)
  );
}

/**
 * The uplink's routes that move: every table (`local` included), both
 * families, every protocol, of the types `unicast`, `local`, `broadcast` and
 * `anycast`, except those the kernel keeps for its addresses
 * ({@link isKernelOwnRoute}). Ordered by dependency: see
 * {@link orderByDependency}.
 * @param facts Host facts.
 * @param uplink Link name.
 * @returns Route specs in the order they are added.
 */
export function movableRoutes(facts: HostFacts, uplink: string): RouteSpec[] {
  const pick = (family: 4 | 6) =>
    candidateRoutes(facts, uplink, family).filter((r) => MOVABLE_TYPES.has(r.type ?? "unicast"))
      .map((r) => routeSpecFromJson(r, family));
  return orderByDependency([...pick(4), ...pick(6)]);
}

/**
 * Orders routes so that each comes after every route it relies on: a route
 * `via GW` (not `onlink`) relies on each route of its family without a
 * gateway whose destination holds GW (the kernel only accepts a gateway it
 * reaches through such a route). Otherwise the given order is kept (a stable
 * topological sort). Routes without a gateway rely on none, so there are no
 * cycles.
 * @param routes Routes, e.g. in table order.
 * @returns The same routes, those relied on first.
 * @example
 * ```ts
 * orderByDependency([
 *   { family: 4, dst: "default", via: "203.0.113.1", dev: "eth0" },
 *   { family: 4, dst: "203.0.113.1", dev: "eth0", scope: "link" },
 * ]); // the host route first, then the default
 * ```
 */
export function orderByDependency(routes: readonly RouteSpec[]): RouteSpec[] {
  const needs = (r: RouteSpec, s: RouteSpec) =>
    r !== s && r.via !== undefined && !r.onlink && s.via === undefined && s.family === r.family &&
    inSubnet(r.via, canonicalPrefix(s.dst, s.family));
  const out: RouteSpec[] = [];
  const placed = new Set<RouteSpec>();
  const place = (r: RouteSpec) => {
    if (placed.has(r)) return;
    placed.add(r);
    for (const s of routes) if (needs(r, s)) place(s);
    out.push(r);
  };
  for (const r of routes) place(r);
  return out;
}

/**
 * The keys of `ip -json route show table all` that full-migrate carries to
 * the bridge and back exactly (see `routeSpecFromJson`): any other key a
 * route shows is an attribute the move would drop, so the route is refused.
 */
const CARRIED_KEYS: ReadonlySet<string> = new Set([
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
  "expires",
  "flow",
]);

/**
 * Route flags (`ip -json route` `flags`) that full-migrate carries (`onlink`)
 * or that are state the kernel sets by itself (`linkdown`, `dead`: the
 * device's carrier; `offload`, `trap`, `offload_failed`, `rt_offload`,
 * `rt_trap`: hardware offload), not configuration.
 */
const CARRIED_FLAGS: ReadonlySet<string> = new Set([
  "onlink",
  "linkdown",
  "dead",
  "offload",
  "trap",
  "offload_failed",
  "rt_offload",
  "rt_trap",
  "rt_offload_failed",
]);

/** Readable reasons for the keys full-migrate does not carry; other keys are named as they are. */
const KEY_REASON: Readonly<Record<string, (r: IpRoute) => string>> = {
  nexthops: () => "multipath",
  nhid: (r) => `nexthop object ${r.nhid}`,
  tos: (r) => `tos ${r.tos}`,
  metrics: (r) => `route metrics ${Object.keys(Object.assign({}, ...(r.metrics ?? []))).join(",")}`,
  encap: () => "lightweight tunnel encap",
};

/**
 * Why one route through the uplink cannot be moved and restored exactly.
 * @param r The route.
 * @returns The reasons, `[]` when it moves exactly.
 */
function whyUnmovable(r: IpRoute): string[] {
  const why: string[] = [];
  if (!MOVABLE_TYPES.has(r.type ?? "unicast")) why.push(`type ${r.type}`);
  for (const [key, value] of Object.entries(r)) {
    if (CARRIED_KEYS.has(key) || value === undefined) continue;
    if (key === "tos" && value === "0") continue;
    if (key === "metrics" && raHoplimit(r) !== undefined) continue;
    why.push(KEY_REASON[key]?.(r) ?? `attribute '${key}'`);
  }
  const flags = (r.flags ?? []).filter((f) => !CARRIED_FLAGS.has(f));
  if (flags.length > 0) why.push(`flags ${flags.join(",")}`);
  return why;
}

/**
 * Routes through the uplink that nsrecipe cannot move and restore exactly,
 * so full-migrate refuses them rather than lose them: removing the uplink's
 * last IPv4 address makes the kernel flush every IPv4 route still through it
 * (`fib_disable_ip`), and an IPv6 route left on it points at a bridge port.
 * A route is refused when `ip -json route show table all` shows any key that
 * full-migrate does not carry ({@link CARRIED_KEYS}): multipath routes,
 * routes using nexthop objects, routes keyed on TOS, carrying metrics (`mtu`,
 * `advmss`, `initcwnd`, …; their `lock` is not shown by `ip -json`, so they
 * could not be restored exactly) or a lightweight tunnel `encap`, any
 * attribute a newer iproute2 shows, and routes of a type without a device to
 * move (`multicast`, `throw`, …). Realms (`flow`), `onlink`, `pref` and
 * `expires` are carried, and the `hoplimit` metric of a route learned from a
 * router advertisement (see `raHoplimit`: the kernel sets it, unlocked). The kernel's own routes ({@link isKernelOwnRoute})
 * follow the addresses and are not named.
 * @param facts Host facts.
 * @param uplink Link name.
 * @returns One readable line per route, e.g. `10.20.0.0/16 (multipath)`.
 */
export function unmovableRoutes(facts: HostFacts, uplink: string): string[] {
  const out: string[] = [];
  const addrs = facts.addrs.find((l) => l.ifname === uplink)?.addr_info ?? [];
  for (const [family, routes] of [[4, facts.routes4], [6, facts.routes6]] as const) {
    for (const r of routes) {
      const through = r.dev === uplink || (r.nexthops ?? []).some((n) => n.dev === uplink);
      if (!through || isKernelOwnRoute(r, family, addrs)) continue;
      const why = whyUnmovable(r);
      if (why.length > 0) {
        out.push(`${r.dst}${r.table && r.table !== "main" ? ` table ${r.table}` : ""} (${why.join(", ")})`);
      }
    }
  }
  return out;
}

/**
 * The uplink's IPv6 prefix routes that would stay behind on the enslaved
 * uplink once its addresses are deleted, so full-migrate deletes them itself
 * (after the addresses; undo re-adds each before its address). The kernel
 * deletes an address's prefix route with the address only when the address
 * is permanent (net/ipv6/addrconf.c `ipv6_del_addr` → `check_cleanup_prefix_route`);
 * for one with a finite lifetime (`dynamic`: SLAAC, DHCPv6, `valid_lft N`)
 * the route stays until it expires, and on the port it wins over the
 * bridge's route of the same metric (older first), so the prefix is
 * unreachable while migrated. A prefix route is named when every moved
 * address it was made for (same prefix and metric, without `noprefixroute`)
 * is `dynamic`; with a permanent one among them the kernel removes it.
 * @param facts Host facts.
 * @param uplink Link name.
 * @param moved The IPv6 addresses moved off the uplink.
 * @returns The routes as `route-del` takes them (with proto, metric and expires captured).
 */
export function expiringPrefixRoutes(facts: HostFacts, uplink: string, moved: readonly IpAddrInfo[]): RouteSpec[] {
  const v6 = moved.filter((a) => a.family === "inet6" && !a.noprefixroute);
  return facts.routes6.filter((r) => r.dev === uplink && isAddressPrefixRoute(r, 6, v6)).filter((r) => {
    const owners = v6.filter((a) => isAddressPrefixRoute(r, 6, [a]));
    return owners.length > 0 && owners.every((a) => a.dynamic);
  }).map((r) => routeSpecFromJson(r, 6));
}

/**
 * Plan notes for the uplink's routes learned from router advertisements
 * (`proto ra`, IPv6), which full-migrate moves with their `pref`, `hoplimit`
 * and remaining lifetime (`expires`): re-added by hand they are not the
 * kernel's own RA routes, yet not permanent either; they lapse as the
 * router's advertisement would have unless renewed. Said so that an admin
 * is not surprised by either.
 * @param facts Host facts.
 * @param uplink Link name.
 * @param bridge The bridge the routes move to.
 * @returns One note per such route, `[]` when there is none.
 */
export function raRouteNotes(facts: HostFacts, uplink: string, bridge: string): string[] {
  return facts.routes6.filter((r) => r.dev === uplink && r.protocol === "ra").map((r) => {
    const hop = raHoplimit(r);
    const attrs = [
      ...(hop !== undefined ? [`hoplimit ${hop}`] : []),
      ...(r.pref ? [`pref ${r.pref}`] : []),
      ...(r.expires !== undefined ? [`expires ${r.expires}sec`] : []),
    ].join(" ");
    return `The router-advertised route ${r.dst}${r.gateway ? ` via ${r.gateway}` : ""} (proto ra${
      attrs ? ` ${attrs}` : ""
    }) moves to '${bridge}' as it is, ${
      r.expires !== undefined
        ? "with its remaining lifetime, not as a permanent route: it lapses when the router's advertisement would have, unless the router advertises again on"
        : "with no lifetime, as on"
    } '${bridge}' (which takes the accept_ra setting of '${uplink}'); undo puts it back on '${uplink}'${
      r.expires !== undefined ? " with the lifetime it had when moved" : ""
    }.`;
  });
}
