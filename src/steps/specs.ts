/**
 * Addresses and routes as data, with every attribute iproute2 can set, and
 * the argv that re-creates them. The same spec is planned by recipes and
 * captured from `ip -json` before a deletion, so the inverse restores every
 * attribute (prefix, broadcast, scope, label, flags, lifetimes; type,
 * metric, proto, src, scope, table, flags, IPv6 preference and lifetime).
 *
 * @module
 */
import { z } from "../zod_deferred.ts";
import type { IpAddrInfo, IpNeigh, IpRoute } from "../host/ip_json.ts";
import { linkName, text, uint } from "./fields.ts";
import { lazy } from "../lazy.ts";
import type { Infer } from "./types.ts";

/**
 * The schema of an {@link AddrSpec}.
 * @ignore zod's inferred type has no name the docs can show; read {@link AddrSpec}.
 */
export const addrSpecSchema = lazy(() =>
  z.object({
    /** Address family: `inet` (IPv4) or `inet6` (IPv6), as in ip-address(8) JSON. */
    family: z.enum(["inet", "inet6"]),
    /** The address without prefix, e.g. `198.51.100.10`. */
    local: text(),
    /** Prefix length in bits. */
    prefixlen: z.number().check(z.int(), z.minimum(0), z.maximum(128)),
    /** IPv4 broadcast address; absent for none. */
    broadcast: z.optional(text()),
    /** `global` (default), `link`, `host`. */
    scope: z.optional(text()),
    /** IPv4 label, e.g. `eth0:1`. */
    label: z.optional(text()),
    /** Add with `noprefixroute`. */
    noprefixroute: z.optional(z.boolean()),
    /** IPv6: skip duplicate address detection (`nodad`), so the address is usable at once. */
    nodad: z.optional(z.boolean()),
    /** IPv6: home address of Mobile IPv6 (`home`, RFC 6275). */
    home: z.optional(z.boolean()),
    /** IPv6: make and manage temporary addresses from this prefix (`mngtmpaddr`, RFC 8981). */
    mngtmpaddr: z.optional(z.boolean()),
    /** IPv6: usable during duplicate address detection (`optimistic`, RFC 4429). */
    optimistic: z.optional(z.boolean()),
    /** Metric of the address's prefix route (`metric`). */
    metric: z.optional(uint()),
    /** Valid lifetime in seconds for a dynamic (DHCP/SLAAC) address; absent = forever. */
    validLft: z.optional(uint()),
    /** Preferred lifetime in seconds; absent = forever. */
    preferredLft: z.optional(uint()),
  })
);

/** An address, as `ip addr add` takes it (ip-address(8)); the fields are documented on its schema. */
export type AddrSpec = Infer<typeof addrSpecSchema>;

/**
 * The schema of a {@link RouteSpec}.
 * @ignore zod's inferred type has no name the docs can show; read {@link RouteSpec}.
 */
export const routeSpecSchema = lazy(() =>
  z.object({
    /** IP version: `4` or `6` (`ip -4` / `ip -6`). */
    family: z.union([z.literal(4), z.literal(6)]),
    /** `default` or a prefix like `203.0.113.0/24`. */
    dst: text(),
    /** Route type when not unicast (e.g. `blackhole`). */
    type: z.optional(text()),
    /** Next-hop gateway. */
    via: z.optional(text()),
    /** Output device. */
    dev: z.optional(linkName()),
    /** `proto` (e.g. `static`, `boot`, `dhcp`, `kernel`). */
    proto: z.optional(text()),
    /** `scope` (e.g. `link`). */
    scope: z.optional(text()),
    /** Preferred source address (`src`). */
    src: z.optional(text()),
    /** Metric (`metric`); IPv4 default 0, IPv6 default 1024. */
    metric: z.optional(uint()),
    /** Table name or number; absent = main. */
    table: z.optional(text()),
    /** Add with `onlink`. */
    onlink: z.optional(z.boolean()),
    /**
     * IPv6 router preference (`pref low|medium|high`, RFC 4191), as router
     * advertisements set it; absent = `medium`, the kernel's default.
     */
    pref: z.optional(z.enum(["low", "medium", "high"])),
    /**
     * IPv6: seconds the route has left (`expires`, RTA_EXPIRES), as a router
     * advertisement's lifetime set it; absent = never expires. A route re-added
     * later gets these seconds again, from then.
     */
    expires: z.optional(uint()),
    /**
     * IPv6: the `hoplimit` route metric (RTAX_HOPLIMIT, ip-route(8)
     * `hoplimit NUMBER`, 1–255), carried only where {@link raHoplimit} finds
     * it: the Cur Hop Limit a router advertisement set on its default route;
     * absent = none.
     */
    hoplimit: z.optional(uint().check(z.maximum(255))),
    /**
     * The route's realms as `ip route add … realm` takes them: `TO` or
     * `FROM/TO` (RTA_FLOW, ip-route(8)), e.g. `5` or `3/5`; absent = none.
     */
    realm: z.optional(text()),
  })
);

/** A route, as `ip route add` takes it (ip-route(8)); the fields are documented on its schema. */
export type RouteSpec = Infer<typeof routeSpecSchema>;

/**
 * The `ip addr` arguments after `add`/`del` naming the address and its attributes.
 * @param a The address.
 * @param dev The link.
 * @param forAdd Include attributes that only `add` takes.
 * @returns e.g. `["198.51.100.10/24", "broadcast", "198.51.100.255", "dev", "eth0"]`.
 */
export function addrArgs(a: AddrSpec, dev: string, forAdd = true): string[] {
  const out = [`${a.local}/${a.prefixlen}`];
  if (forAdd) {
    if (a.broadcast) out.push("broadcast", a.broadcast);
    if (a.scope && a.scope !== "global") out.push("scope", a.scope);
    if (a.label && a.label !== dev) out.push("label", a.label);
    if (a.noprefixroute) out.push("noprefixroute");
    if (a.metric !== undefined) out.push("metric", String(a.metric));
    if (a.nodad) out.push("nodad");
    if (a.home) out.push("home");
    if (a.mngtmpaddr) out.push("mngtmpaddr");
    if (a.optimistic) out.push("optimistic");
    if (a.validLft !== undefined) out.push("valid_lft", String(a.validLft));
    if (a.preferredLft !== undefined) out.push("preferred_lft", String(a.preferredLft));
  }
  out.push("dev", dev);
  return out;
}

/**
 * The full `ip` argv adding, changing or deleting an address.
 * @param op `add`, `change` (the address exists; set its flags, lifetimes
 *   and metric; the kernel does not start duplicate address detection for a
 *   change, net/ipv6/addrconf.c `inet6_addr_modify`) or `del`.
 * @param a The address.
 * @param dev The link.
 * @param netns Named netns, or `undefined`.
 * @returns The argv.
 */
export function addrArgv(op: "add" | "change" | "del", a: AddrSpec, dev: string, netns?: string): string[] {
  return ["ip", ...(netns ? ["-n", netns] : []), "addr", op, ...addrArgs(a, dev, op !== "del")];
}

/**
 * The commands that add an address with exactly its attributes. With
 * `skipDad`, an IPv6 address without `nodad` is first added with `nodad`
 * (usable at once: it is this host's address already, moving between its
 * links) and then changed to its own flags, which clears `nodad` without
 * starting duplicate address detection.
 * @param a The address.
 * @param dev The link.
 * @param netns Named netns, or `undefined`.
 * @param skipDad Skip duplicate address detection as above.
 * @returns One or two argv.
 */
export function addrAddCommands(a: AddrSpec, dev: string, netns?: string, skipDad = false): string[][] {
  if (!skipDad || a.family !== "inet6" || a.nodad) return [addrArgv("add", a, dev, netns)];
  return [addrArgv("add", { ...a, nodad: true }, dev, netns), addrArgv("change", a, dev, netns)];
}

/**
 * The `ip route` arguments after `add`/`del` naming a route exactly.
 * @param r The route.
 * @param forAdd Include attributes that only `add` sets (IPv6 `pref`, `expires` and `hoplimit`).
 * @returns e.g. `["default", "via", "198.51.100.1", "dev", "eth0", "metric", "100"]`.
 */
export function routeArgs(r: RouteSpec, forAdd = true): string[] {
  const out: string[] = [];
  if (r.type && r.type !== "unicast") out.push(r.type);
  out.push(r.dst);
  if (r.via) out.push("via", r.via);
  if (r.dev) out.push("dev", r.dev);
  if (r.proto) out.push("proto", r.proto);
  if (r.scope) out.push("scope", r.scope);
  if (r.src) out.push("src", r.src);
  if (r.metric !== undefined) out.push("metric", String(r.metric));
  if (r.table && r.table !== "main") out.push("table", r.table);
  if (r.onlink) out.push("onlink");
  if (forAdd && r.realm) out.push("realm", r.realm);
  if (forAdd && r.family === 6 && r.pref && r.pref !== "medium") out.push("pref", r.pref);
  if (forAdd && r.family === 6 && r.expires !== undefined) out.push("expires", String(r.expires));
  if (forAdd && r.family === 6 && r.hoplimit !== undefined) out.push("hoplimit", String(r.hoplimit));
  return out;
}

/**
 * The full `ip` argv adding (or deleting) a route.
 * @param op `add`, `append` (ip-route(8): add beside an existing route of the
 *   same key instead of failing with `File exists`) or `del`.
 * @param r The route.
 * @param netns Named netns, or `undefined`.
 * @returns The argv.
 */
export function routeArgv(op: "add" | "append" | "del", r: RouteSpec, netns?: string): string[] {
  return ["ip", ...(netns ? ["-n", netns] : []), `-${r.family}`, "route", op, ...routeArgs(r, op !== "del")];
}

/**
 * An address spec moved to a renamed link: an IPv4 label names its link
 * (`eth0` or `eth0:1`, ip-address(8): it must begin with the device name), so
 * it follows the rename.
 * @param a The address.
 * @param from The link's old name.
 * @param to Its new name.
 * @returns The spec with its label renamed; `a` itself when nothing changes.
 */
export function renamedAddr(a: AddrSpec, from: string, to: string): AddrSpec {
  if (from === to || a.label === undefined) return a;
  if (a.label === from) return { ...a, label: to };
  return a.label.startsWith(`${from}:`) ? { ...a, label: `${to}${a.label.slice(from.length)}` } : a;
}

/**
 * A route spec whose output device was renamed.
 * @param r The route.
 * @param rename Maps a link name to its current name.
 * @returns The spec with `dev` renamed; `r` itself when it has no device or it keeps its name.
 */
export function renamedRoute(r: RouteSpec, rename: (dev: string) => string): RouteSpec {
  return r.dev === undefined || rename(r.dev) === r.dev ? r : { ...r, dev: rename(r.dev) };
}

/**
 * Converts `ip -json addr` output into an {@link AddrSpec}, keeping every
 * attribute; lifetimes only for dynamic addresses.
 * @param a One `addr_info` entry.
 * @returns The spec.
 */
export function addrSpecFromJson(a: IpAddrInfo): AddrSpec {
  const spec: AddrSpec = { family: a.family, local: a.local, prefixlen: a.prefixlen };
  if (a.broadcast) spec.broadcast = a.broadcast;
  if (a.scope && a.scope !== "global") spec.scope = a.scope;
  if (a.label) spec.label = a.label;
  if (a.noprefixroute) spec.noprefixroute = true;
  if (a.nodad) spec.nodad = true;
  if (a.home) spec.home = true;
  if (a.mngtmpaddr) spec.mngtmpaddr = true;
  if (a.optimistic) spec.optimistic = true;
  if (a.metric !== undefined) spec.metric = a.metric;
  if (a.deprecated && !a.dynamic) spec.preferredLft = 0;
  if (a.dynamic) {
    spec.validLft = a.valid_life_time;
    spec.preferredLft = a.preferred_life_time;
  }
  return spec;
}

/**
 * Converts `ip -json route` output into a {@link RouteSpec}.
 * @param r One route.
 * @param family 4 or 6.
 * @returns The spec.
 */
export function routeSpecFromJson(r: IpRoute, family: 4 | 6): RouteSpec {
  const spec: RouteSpec = { family, dst: r.dst };
  if (r.type && r.type !== "unicast") spec.type = r.type;
  if (r.gateway) spec.via = r.gateway;
  if (r.dev) spec.dev = r.dev;
  if (r.protocol) spec.proto = r.protocol;
  if (
    r.scope && !(r.scope === "global" || (r.scope === "link" && !r.gateway && family === 4 && r.protocol === "kernel"))
  ) {
    spec.scope = r.scope;
  }
  if (r.prefsrc) spec.src = r.prefsrc;
  // `ip -json` leaves out an IPv4 metric of 0; spell it out so the spec names this route, not any metric.
  const metric = r.metric ?? (family === 4 ? 0 : undefined);
  if (metric !== undefined) spec.metric = metric;
  if (r.table && r.table !== "main") spec.table = r.table;
  if (r.flags?.includes("onlink")) spec.onlink = true;
  if (family === 6 && (r.pref === "low" || r.pref === "high")) spec.pref = r.pref;
  // A route about to expire is still re-added, for at least one second (`expires 0` would expire it at once).
  if (family === 6 && r.expires !== undefined) spec.expires = Math.max(1, r.expires);
  const hoplimit = family === 6 ? raHoplimit(r) : undefined;
  if (hoplimit !== undefined) spec.hoplimit = hoplimit;
  const realm = routeRealm(r);
  if (realm) spec.realm = realm;
  return spec;
}

/**
 * The `hoplimit` metric of a route learned from a router advertisement,
 * which can be re-created exactly: a `proto ra` route whose only metric is
 * `hoplimit`. The kernel sets it on the default route it learns from an RA
 * to the RA's Cur Hop Limit (net/ipv6/ndisc.c `ndisc_router_discovery`,
 * `fib6_metric_set(rt, RTAX_HOPLIMIT, …)`), never locked. `ip -json` does not
 * show a metric's `lock`, so on a route of any other origin (where
 * `hoplimit lock N` may have been written by hand) the metric cannot be
 * restored exactly and is not taken.
 * @param r A route as `ip -json route` prints it (`"metrics": [{"hoplimit": 64}]`).
 * @returns The hop limit (1–255), or `undefined` when the route is not such a route.
 * @example
 * ```ts
 * raHoplimit({ dst: "default", protocol: "ra", flags: [], metrics: [{ hoplimit: 64 }] }); // 64
 * raHoplimit({ dst: "default", protocol: "static", flags: [], metrics: [{ hoplimit: 64 }] }); // undefined
 * ```
 */
export function raHoplimit(r: IpRoute): number | undefined {
  if (r.protocol !== "ra" || !Array.isArray(r.metrics) || r.metrics.length !== 1) return undefined;
  const m = r.metrics[0];
  if (typeof m !== "object" || m === null) return undefined;
  const entries = Object.entries(m);
  if (entries.length !== 1 || entries[0][0] !== "hoplimit") return undefined;
  const v = entries[0][1];
  return Number.isInteger(v) && (v as number) >= 1 && (v as number) <= 255 ? v as number : undefined;
}

/**
 * A route's realms as `ip route add … realm` takes them back.
 * @param r A route as `ip -json route` prints it (`"flow": {"from": "3", "to": "5"}`).
 * @returns `TO` when only the destination realm is set, `FROM/TO` otherwise
 *   (`0` for an unset side); `undefined` when the route has none.
 * @example
 * ```ts
 * routeRealm({ dst: "10.0.0.0/8", flags: [], flow: { to: "5" } }); // "5"
 * routeRealm({ dst: "10.0.0.0/8", flags: [], flow: { from: "3", to: "5" } }); // "3/5"
 * ```
 */
export function routeRealm(r: IpRoute): string | undefined {
  if (!r.flow) return undefined;
  const { from, to } = r.flow;
  if (from === undefined && to === undefined) return undefined;
  return from === undefined ? to : `${from}/${to ?? "0"}`;
}

/**
 * Whether an `ip -json` route is the route a spec names (same destination,
 * device, gateway, metric and table; unspecified fields match anything).
 * @param r A route from `ip -json route show table all`.
 * @param s The spec.
 * @returns `true` on a match.
 */
export function routeMatches(r: IpRoute, s: RouteSpec): boolean {
  return r.dst === s.dst &&
    (s.dev === undefined || r.dev === s.dev) &&
    (s.via === undefined || r.gateway === s.via) &&
    (s.metric === undefined || (r.metric ?? 0) === s.metric) &&
    (r.table ?? "main") === (s.table ?? "main") &&
    (s.type === undefined || (r.type ?? "unicast") === s.type);
}

/**
 * The schema of a {@link NeighSpec}.
 * @ignore zod's inferred type has no name the docs can show; read {@link NeighSpec}.
 */
export const neighSpecSchema = lazy(() =>
  z.object({
    /** The neighbour's address, IPv4 or IPv6, e.g. `198.51.100.1`. */
    dst: text(),
    /** Its link-layer address, e.g. `02:00:00:00:00:01`; absent for a proxy entry. */
    lladdr: z.optional(text()),
    /** A proxy entry (`ip neigh add proxy DST`): this host answers for DST. */
    proxy: z.optional(z.boolean()),
    /** IPv6: the neighbour is a router (`router`). */
    router: z.optional(z.boolean()),
    /** A `NOARP` entry (`nud noarp`: used as is, never validated) rather than a `PERMANENT` one. */
    noarp: z.optional(z.boolean()),
    /** Learned by a control plane outside the kernel (`extern_learn`, e.g. FRR's EVPN): never garbage-collected. */
    externLearn: z.optional(z.boolean()),
  })
);

/**
 * A configured neighbour entry, as `ip neigh add` takes it (ip-neighbour(8)):
 * a `PERMANENT` entry (`nud permanent`, e.g. a pinned gateway MAC against
 * ARP spoofing), a `NOARP` one (`nud noarp`), either possibly `extern_learn`,
 * or a proxy entry.
 */
export type NeighSpec = Infer<typeof neighSpecSchema>;

/**
 * The full `ip neigh` argv adding or deleting a neighbour entry.
 * @param op `add`, `replace` (add, or turn an entry the neighbour cache
 *   already learned, e.g. a `REACHABLE` one, into this permanent entry; a
 *   plain `add` fails with `File exists` then) or `del`.
 * @param n The entry.
 * @param dev The link.
 * @returns e.g. `["ip", "neigh", "add", "198.51.100.1", "lladdr", "02:00:00:00:00:01", "nud", "permanent", "dev", "br0"]`.
 */
export function neighArgv(op: "add" | "replace" | "del", n: NeighSpec, dev: string): string[] {
  const out = ["ip", "neigh", n.proxy && op === "replace" ? "add" : op, ...(n.proxy ? ["proxy"] : []), n.dst];
  if (op !== "del" && !n.proxy) {
    if (n.lladdr) out.push("lladdr", n.lladdr);
    if (n.router) out.push("router");
    if (n.externLearn) out.push("extern_learn");
    out.push("nud", n.noarp ? "noarp" : "permanent");
  }
  out.push("dev", dev);
  return out;
}

/**
 * What kind of entry a spec is, for messages: `proxy`, `noarp` or `permanent`.
 * @param n The entry.
 * @returns The word.
 */
export function neighKindText(n: NeighSpec): string {
  return n.proxy ? "proxy" : n.noarp ? "noarp" : "permanent";
}

/**
 * Converts an `ip -json neigh` entry into a {@link NeighSpec}.
 * @param n A permanent, noarp or proxy entry.
 * @returns The spec.
 */
export function neighSpecFromJson(n: IpNeigh): NeighSpec {
  const spec: NeighSpec = { dst: n.dst };
  if (n.lladdr) spec.lladdr = n.lladdr;
  if ("proxy" in n) spec.proxy = true;
  if ("router" in n) spec.router = true;
  if ("extern_learn" in n) spec.externLearn = true;
  if (!("proxy" in n) && (n.state ?? []).includes("NOARP")) spec.noarp = true;
  return spec;
}
