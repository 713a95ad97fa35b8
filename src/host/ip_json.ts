/**
 * Reads kernel network state through `ip -json` (iproute2, see ip(8)): links,
 * addresses, routes and named network namespaces, in the host's network
 * namespace or in a named one (`ip -n NAME`). Read-only.
 *
 * @module
 */
import type { ExecResult, Runner } from "../exec/mod.ts";
import { type NetnsIdentity, netnsIdentity } from "./identity.ts";
import { netnsEntryState } from "./sysfs.ts";

/** One link as `ip -json -details link show` reports it (fields we use). */
export interface IpLink {
  /** Kernel interface index, unique within the network namespace (ip-link(8)). */
  ifindex: number;
  /** Link name, e.g. `eth0` or `veth-web` (ip-link(8) `dev NAME`). */
  ifname: string;
  /** Link flags as ip-link(8) prints them, e.g. `["BROADCAST", "MULTICAST", "UP", "LOWER_UP"]`. */
  flags: string[];
  /** MTU in bytes. */
  mtu: number;
  /** RFC 2863 operational state: `UP`, `DOWN`, `LOWERLAYERDOWN`, `UNKNOWN`, … (ip-link(8)). */
  operstate: string;
  /** Name of the master device (bridge, bond) the link is enslaved to; absent when none. */
  master?: string;
  /** Link-layer address, for Ethernet a MAC like `02:00:5e:10:00:01`; absent for links without one. */
  address?: string;
  /**
   * Link group (ip-link(8) `group`, IFLA_GROUP): `default` for 0, else a name
   * of `/etc/iproute2/group` or the number, e.g. `7`.
   */
  group?: string;
  /** Its alias (ip-link(8) `alias NAME`, IFLA_IFALIAS), e.g. `uplink to rack 7`; absent when none. */
  ifalias?: string;
  /** Link-layer type: `ether`, `loopback`, `none` (e.g. a tun), … */
  link_type?: string;
  /** Alternative names (`ip link property add dev DEV altname NAME`, ip-link(8)); absent when none. */
  altnames?: string[];
  /** For a veth whose peer lives in another network namespace: that namespace's id here. */
  link_netnsid?: number;
  /**
   * The lower link's name (ip-link(8) `link DEV`, IFLA_LINK) when it is in this
   * namespace: a macvlan's, macvtap's or ipvlan's parent, a veth's peer; absent otherwise.
   */
  link?: string;
  /**
   * Details (only with `-details`): `info_kind` is the link type given to
   * `ip link add … type KIND` (`veth`, `bridge`, …; absent for a physical
   * device), `info_slave_kind` the master's type when enslaved (`bridge`),
   * `info_data` the kind's own attributes (for a bridge e.g. `stp_state`).
   */
  linkinfo?: { info_kind?: string; info_slave_kind?: string; info_data?: Record<string, unknown> };
}

/** One address as `ip -json addr show` reports it inside `addr_info`. */
export interface IpAddrInfo {
  /** Address family: `inet` (IPv4) or `inet6` (IPv6). */
  family: "inet" | "inet6";
  /** The address without prefix, e.g. `198.51.100.10` or `fe80::1`. */
  local: string;
  /** Prefix length in bits, e.g. `24` for `198.51.100.10/24`. */
  prefixlen: number;
  /**
   * The peer of a point-to-point address (`ip addr add LOCAL peer PEER/LEN`,
   * ip-address(8)): an address of the other end; absent otherwise.
   */
  address?: string;
  /** IPv4 broadcast address, e.g. `198.51.100.255`; absent when none was set. */
  broadcast?: string;
  /** Address scope: `global`, `link` or `host` (ip-address(8)). */
  scope: string;
  /** IPv4 label, e.g. `eth0` or `eth0:1`; absent for IPv6. */
  label?: string;
  /** `true` for a secondary IPv4 address: not the first one of its subnet on the link. */
  secondary?: boolean;
  /** `true` when the address has a finite lifetime (DHCP, SLAAC), i.e. is not permanent. */
  dynamic?: boolean;
  /** `true` when added with `noprefixroute`: the kernel made no prefix route for it. */
  noprefixroute?: boolean;
  /** IPv6: `true` when duplicate address detection is skipped (`nodad`). */
  nodad?: boolean;
  /** IPv6: `true` for a Mobile IPv6 home address (`home`). */
  home?: boolean;
  /** IPv6: `true` when temporary addresses are made from this one's prefix (`mngtmpaddr`). */
  mngtmpaddr?: boolean;
  /**
   * IPv6: `true` for a privacy address the kernel made itself (RFC 8981
   * `temporary`, from an address flagged `mngtmpaddr` or a SLAAC one while
   * `use_tempaddr` > 0); it regenerates them and deletes them with their base.
   */
  temporary?: boolean;
  /** IPv6: `true` when usable during duplicate address detection (`optimistic`). */
  optimistic?: boolean;
  /** IPv6: `true` while duplicate address detection has not finished; the address is not yet usable. */
  tentative?: boolean;
  /** IPv6: `true` when duplicate address detection found the address in use. */
  dadfailed?: boolean;
  /** Valid lifetime in seconds; `4294967295` means forever (ip-address(8) `valid_lft`). */
  valid_life_time?: number;
  /** Preferred lifetime in seconds; `4294967295` means forever (ip-address(8) `preferred_lft`). */
  preferred_life_time?: number;
  /** Metric of the prefix route made for the address (ip-address(8) `metric`); absent when none was set. */
  metric?: number;
  /** The address is deprecated: its preferred lifetime is over (e.g. added with `preferred_lft 0`). */
  deprecated?: boolean;
}

/** One link with its addresses, as `ip -json addr show`. */
export interface IpAddrLink {
  /** Link name, e.g. `eth0`. */
  ifname: string;
  /** The link's addresses in kernel order (per subnet, the primary first); `[]` when it has none. */
  addr_info: IpAddrInfo[];
}

/** One route as `ip -json route show table all` reports it. */
export interface IpRoute {
  /** Route type when not `unicast`: `local`, `broadcast`, `blackhole`, `unreachable`, … (ip-route(8)). */
  type?: string;
  /** Destination: `default`, a prefix like `203.0.113.0/24`, or a bare address for a host route. */
  dst: string;
  /** Next-hop address (`via`); absent for a directly connected route. */
  gateway?: string;
  /** Output link name (`dev`); absent for routes without one (e.g. `blackhole`). */
  dev?: string;
  /** Who installed the route (`proto`): `kernel`, `boot`, `static`, `dhcp`, `ra`, … */
  protocol?: string;
  /** Route scope (`scope`): `link`, `host`, …; absent for `global` (universe). */
  scope?: string;
  /** Preferred source address (`src`), e.g. `198.51.100.10`. */
  prefsrc?: string;
  /** Route metric (`metric`, also called preference); absent when 0 for IPv4. */
  metric?: number;
  /** Routing table name or number (`table`), e.g. `local`; absent for `main`. */
  table?: string;
  /** Next-hop flags, e.g. `["onlink"]` or `["linkdown"]`; `[]` when none. */
  flags: string[];
  /** IPv6 router preference: `low`, `medium` or `high` (`pref`). */
  pref?: string;
  /** Next hops of a multipath route (`nexthop via … dev …`), each with its `dev`. */
  nexthops?: { gateway?: string; dev?: string }[];
  /** Id of the nexthop object the route uses (`nhid`, ip-nexthop(8)). */
  nhid?: number;
  /** Type of service the route is keyed on (`tos`), e.g. `0x10`. */
  tos?: string;
  /** Route metrics such as `mtu` and `advmss` (ip-route(8) `metrics`). */
  metrics?: unknown[];
  /** Remaining lifetime in seconds of an expiring IPv6 route (`expires`). */
  expires?: number;
  /**
   * The route's realms (`ip route add … realm [FROM/]TO`, RTA_FLOW, ip-route(8)),
   * which `tc filter … route`, nft `meta rtclassid` and `/proc/net/rt_acct`
   * classify on; absent when both are 0. iproute2 prints it as `flow`, each
   * side a realm number or a name of `/etc/iproute2/rt_realms`.
   */
  flow?: { from?: string; to?: string };
}

/**
 * A route as `ip -json -details route show` prints it, brought back to what
 * `ip -json route show` (without `-details`) prints: iproute2's print_route()
 * (ip/iproute.c) prints four fields even at their default only with
 * `-details`: `type` when `unicast`, `table` when `main`, `protocol` when
 * `boot` and `scope` when `global`; they are dropped at those values. Used
 * where one `ip -details -batch` read serves both links (which need
 * `-details`) and routes.
 *
 * @param r A route read with `-details`.
 * @returns The same route as read without `-details` (a new object).
 * @example
 * ```ts
 * withoutRouteDetails({ type: "unicast", dst: "default", gateway: "10.0.0.1", dev: "eth0", table: "main",
 *   protocol: "boot", scope: "global", flags: [] }); // { dst: "default", gateway: "10.0.0.1", dev: "eth0", flags: [] }
 * ```
 */
export function withoutRouteDetails(r: IpRoute): IpRoute {
  const out = { ...r };
  if (out.type === "unicast") delete out.type;
  if (out.table === "main") delete out.table;
  if (out.protocol === "boot") delete out.protocol;
  if (out.scope === "global") delete out.scope;
  return out;
}

/**
 * One policy routing rule as `ip -json rule show` reports it (ip-rule(8)).
 * Selectors absent from a rule are absent here; `src` is `"all"` when the
 * rule matches every source.
 */
export interface IpRule {
  /** Priority (`pref`); rules are tried in ascending order. */
  priority: number;
  /** Present (as `null`) when the selector is negated (`not`). */
  not?: null;
  /** Source prefix without length, or `"all"`. */
  src?: string;
  /** Source prefix length; absent for a host address or `all`. */
  srclen?: number;
  /** Destination prefix without length; absent for all. */
  dst?: string;
  /** Destination prefix length. */
  dstlen?: number;
  /** Incoming device (`iif`). */
  iif?: string;
  /** Outgoing device (`oif`). */
  oif?: string;
  /** Firewall mark (`fwmark`), hex like `0x10`. */
  fwmark?: string;
  /** Mask of the firewall mark, hex like `0xff`. */
  fwmask?: string;
  /** Type of service, hex like `0x10`. */
  tos?: string;
  /** Table looked up (`lookup`), a name or a number. */
  table?: string;
  /** Action when not `lookup`: `blackhole`, `unreachable`, `prohibit`, `nop`. */
  action?: string;
  /** Priority of the rule to jump to (`goto`). */
  goto?: number;
  /** Who installed the rule (`protocol`), e.g. `static`; absent for the default. */
  protocol?: string;
  /** `suppress_prefixlength`. */
  suppress_prefixlen?: number;
  /** `suppress_ifgroup`. */
  suppress_ifgroup?: string;
  /** Start of the `uidrange`. */
  uid_start?: number;
  /** End of the `uidrange`. */
  uid_end?: number;
  /** IP protocol (`ipproto`), e.g. `tcp`. */
  ipproto?: string;
  /** Source port, or start of a source port range (`sport`). */
  sport?: number;
  /** Start of a source port range. */
  sport_start?: number;
  /** End of a source port range. */
  sport_end?: number;
  /** Destination port (`dport`). */
  dport?: number;
  /** Start of a destination port range. */
  dport_start?: number;
  /** End of a destination port range. */
  dport_end?: number;
  /** Present when the rule is an `l3mdev` rule. */
  l3mdev?: unknown;
  /** Source realm of a `realms FROM/TO` selector (ip-rule(8)); absent when 0. */
  flow_from?: string;
  /** Destination realm of a `realms [FROM/]TO` selector; absent when 0. */
  flow_to?: string;
  /** NAT address of an old `nat` rule. */
  nat?: string;
  /** Flow label (IPv6, recent iproute2). */
  flowlabel?: string;
  /** DSCP selector (recent iproute2). */
  dscp?: string;
}

/**
 * One neighbour entry as `ip -json neigh show` reports it (ip-neighbour(8)).
 * Flags such as `router` or `proxy` appear as keys with value `null`.
 */
export interface IpNeigh {
  /** The neighbour's protocol address, e.g. `198.51.100.1` or `2001:db8:1::1`. */
  dst: string;
  /** Link the entry belongs to. */
  dev: string;
  /** Link-layer address; absent for an incomplete or proxy entry. */
  lladdr?: string;
  /** NUD states, e.g. `["PERMANENT"]`; absent for a proxy entry. */
  state?: string[];
  /** Present (as `null`) for an IPv6 router entry. */
  router?: null;
  /** Present (as `null`) for a proxy entry (`ip neigh add proxy`). */
  proxy?: null;
  /** Present (as `null`) for an entry learned externally (`extern_learn`). */
  extern_learn?: null;
}

/**
 * Whether a `NOARP` neighbour entry is configuration (`ip neigh add … nud
 * noarp` with a unicast MAC) rather than one the kernel makes by itself: the
 * kernel gives `NUD_NOARP` to entries for multicast and broadcast
 * destinations, whose link-layer address is a group address (the low bit of
 * the first octet set, `ff:ff:ff:ff:ff:ff` included), and to links without
 * ARP (loopback: `00:00:00:00:00:00`, or no address at all) (net/ipv4/arp.c
 * `arp_constructor`, net/ipv6/ndisc.c `ndisc_constructor`).
 * @param n An entry of `ip -json neigh show nud noarp`.
 * @returns `true` for an admin's entry.
 */
export function configuredNoarp(n: IpNeigh): boolean {
  const mac = n.lladdr?.toLowerCase();
  if (!mac || !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac) || /^(00:){5}00$/.test(mac)) return false;
  return (parseInt(mac.slice(0, 2), 16) & 1) === 0 && (n.state ?? []).includes("NOARP");
}

/** One named network namespace as `ip -json netns list`. */
export interface IpNetns {
  /** The name, i.e. the entry `/run/netns/NAME` (ip-netns(8)). */
  name: string;
  /** The netns id the caller's namespace assigned to it (`ip netns set`); absent when none. */
  id?: number;
}

function ipArgv(netns: string | undefined, rest: string[]): string[] {
  return netns === undefined ? ["ip", "-json", ...rest] : ["ip", "-n", netns, "-json", ...rest];
}

/**
 * What each result was parsed into: a runner that answers a repeated read
 * with the same result (`memoRunner`, one look at the host shared by many
 * steps' captures and checks) has it parsed once, not once per step, which
 * with N steps reading a table of N routes was N² work.
 */
const parsed = new WeakMap<ExecResult, unknown[]>();

function parse<T>(result: ExecResult): T[] {
  let list = parsed.get(result);
  if (!list) {
    const text = result.stdout.trim();
    list = text === "" ? [] : parseToolJson(text) as unknown[];
    parsed.set(result, list);
  }
  return [...list] as T[];
}

/**
 * Parses the JSON output of `ip -json` or `nft -j`, tolerating what those
 * tools print unescaped: the kernel accepts control characters in a link
 * name (dev_valid_name() refuses only `/`, `:` and whitespace), and
 * iproute2's JSON writer copies them raw into the string, which JSON forbids
 * (RFC 8259 section 7). Such characters inside a string are escaped
 * (`\u001b`) before parsing, so the name comes back exactly; messages then
 * show it through `quote()`.
 *
 * @param text The tool's standard output, e.g. `[{"ifname":"e\x1bX",…}]`.
 * @returns The parsed value.
 * @throws {SyntaxError} When the text is not JSON even so.
 * @example
 * ```ts
 * parseToolJson('[{"ifname":"a\x01b"}]'); // [{ ifname: "a\x01b" }]
 * ```
 */
export function parseToolJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    return JSON.parse(escapeControlsInStrings(text));
  }
}

/** Escapes U+0000–U+001F found inside JSON string literals; the rest is kept as is. */
function escapeControlsInStrings(text: string): string {
  let out = "";
  let inString = false;
  let escaped = false;
  for (const c of text) {
    const code = c.charCodeAt(0);
    if (!inString) {
      inString = c === '"';
    } else if (escaped) {
      escaped = false;
    } else if (c === "\\") {
      escaped = true;
    } else if (c === '"') {
      inString = false;
    } else if (code < 0x20) {
      out += `\\u${code.toString(16).padStart(4, "0")}`;
      continue;
    }
    out += c;
  }
  return out;
}

/**
 * Whether a route goes through a link: its `dev`, or one of its next hops' (multipath).
 * @param r The route, as `ip -json route show` gives it.
 * @param dev The link's name.
 * @returns `true` when it does.
 */
export function goesThrough(r: IpRoute, dev: string): boolean {
  return r.dev === dev || r.nexthops?.some((n) => n.dev === dev) === true;
}

/**
 * Read access to one host's network state. Every method spawns `ip -json`
 * through the given {@link Runner}.
 */
export class IpReader {
  /**
   * Creates a reader that spawns `ip` through `run`.
   * @param run The process seam.
   */
  constructor(private readonly run: Runner) {}

  /**
   * All links of a network namespace, with details (`ip -json -details link show`).
   * @param netns A named netns, or `undefined` for the caller's own.
   * @returns The links in ifindex order.
   * @throws {CommandError} When `ip` fails (e.g. the netns does not exist).
   */
  async links(netns?: string): Promise<IpLink[]> {
    return parse<IpLink>(await this.run(ipArgv(netns, ["-details", "link", "show"])));
  }

  /**
   * One link, or `undefined` when it does not exist (exit 1 with `does not exist`).
   * @param dev Link name.
   * @param netns A named netns, or `undefined` for the caller's own.
   * @returns The link or `undefined`; also `undefined` when the netns is gone.
   */
  async link(dev: string, netns?: string): Promise<IpLink | undefined> {
    const r = await this.run(ipArgv(netns, ["-details", "link", "show", "dev", dev]), {
      okCodes: [0, 1, 255],
    });
    return r.code === 0 ? parse<IpLink>(r)[0] : undefined;
  }

  /**
   * Addresses of every link (`ip -json addr show`), or of one (`dev DEV`).
   * @param netns A named netns, or `undefined`.
   * @param dev Restrict to this link; a missing link gives `[]`.
   * @returns Links with their `addr_info` lists, in kernel order (primary first).
   */
  async addrs(netns?: string, dev?: string): Promise<IpAddrLink[]> {
    const r = await this.run(
      ipArgv(netns, ["addr", "show", ...(dev ? ["dev", dev] : [])]),
      { okCodes: dev ? [0, 1, 255] : [0] },
    );
    return r.code === 0 ? parse<IpAddrLink>(r) : [];
  }

  /**
   * Routes of one family in every table (`ip -json [-6] route show table all`).
   * Kernel-made local/broadcast routes of the `local` table are included.
   * @param family 4 or 6.
   * @param netns A named netns, or `undefined`.
   * @returns The routes, in kernel order.
   */
  async routes(family: 4 | 6, netns?: string): Promise<IpRoute[]> {
    const args = family === 6 ? ["-6", "route", "show", "table", "all"] : ["-4", "route", "show", "table", "all"];
    return parse<IpRoute>(await this.run(ipArgv(netns, args)));
  }

  /**
   * The routes of both families, in every table, that go through a link: its
   * `dev` is the link, or one of its next hops' is (multipath, ip-route(8)
   * `nexthop`). IPv4 first, each family in kernel order, as {@link routes}
   * lists them.
   * @param dev The link's name.
   * @param netns A named netns, or `undefined`.
   * @returns The routes.
   * @throws {CommandError} When `ip` fails.
   */
  async routesThrough(dev: string, netns?: string): Promise<IpRoute[]> {
    return [...await this.routes(4, netns), ...await this.routes(6, netns)].filter((r) => goesThrough(r, dev));
  }

  /**
   * Policy routing rules of one family (`ip -json -details -4|-6 rule show`;
   * `-details` makes `protocol` always present).
   * @param family 4 or 6.
   * @param netns A named netns, or `undefined`.
   * @returns The rules in priority order.
   * @throws {CommandError} When `ip` fails.
   */
  async rules(family: 4 | 6, netns?: string): Promise<IpRule[]> {
    return parse<IpRule>(await this.run(ipArgv(netns, ["-details", `-${family}`, "rule", "show"])));
  }

  /**
   * The neighbour entries that are configuration rather than cache: the
   * `PERMANENT` ones of both families (`ip -json neigh show nud permanent`),
   * the `NOARP` ones an admin added with a unicast link-layer address (`nud
   * noarp`: used as is, never validated; the kernel's own `NOARP` entries, for
   * multicast and broadcast destinations and links without ARP, are left out,
   * see {@link configuredNoarp}) and the proxy entries (`ip -json neigh show
   * proxy`), optionally of one link.
   * @param netns A named netns, or `undefined`.
   * @param dev Restrict to this link; a missing link gives `[]`.
   * @returns Permanent entries first, then noarp, then proxy entries, each in kernel order.
   * @throws {CommandError} When `ip` fails for another reason.
   */
  async staticNeighbours(netns?: string, dev?: string): Promise<IpNeigh[]> {
    const on = dev ? ["dev", dev] : [];
    const opts = { okCodes: dev ? [0, 1, 255] : [0] };
    const [perm, noarp, proxy] = await Promise.all([
      this.run(ipArgv(netns, ["neigh", "show", ...on, "nud", "permanent"]), opts),
      this.run(ipArgv(netns, ["neigh", "show", ...on, "nud", "noarp"]), opts),
      this.run(ipArgv(netns, ["neigh", "show", "proxy", ...on]), opts),
    ]);
    const withDev = (list: IpNeigh[]) => list.map((n) => (n.dev ? n : { ...n, dev: dev ?? "" }));
    return [
      ...(perm.code === 0 ? withDev(parse<IpNeigh>(perm)) : []),
      ...(noarp.code === 0 ? withDev(parse<IpNeigh>(noarp)).filter(configuredNoarp) : []),
      ...(proxy.code === 0 ? withDev(parse<IpNeigh>(proxy)) : []),
    ];
  }

  /**
   * Named network namespaces (`ip -json netns list`, the entries of
   * `/run/netns`, whether or not they are live namespaces).
   * @returns Names, newest first as ip lists them.
   */
  async netnsList(): Promise<IpNetns[]> {
    return parse<IpNetns>(await this.run(["ip", "-json", "netns", "list"]));
  }

  /**
   * What the entry `/run/netns/NAME` is now ({@link netnsEntryState}): `live`, `stale` or `absent`. Read from the
   * filesystem (lstat(2), stat(2)), no process; asked of the reader so that one look at the host
   * (`status`'s) answers it once for that look.
   * @param name The namespace name.
   * @returns The state.
   * @throws {Deno.errors.PermissionDenied} | {Deno.errors.NotCapable} Without read access to `/run/netns`.
   */
  netnsEntryState(name: string): "absent" | "live" | "stale" {
    return netnsEntryState(name);
  }

  /**
   * The identity of a named network namespace now ({@link netnsIdentity}: stat(2) of `/run/netns/NAME`), no
   * process; asked of the reader so that one look at the host (`status`'s) answers it once for that look.
   * @param name The namespace name.
   * @returns Its identity, or `undefined` when the entry is missing or not a namespace mount.
   * @throws {Deno.errors.PermissionDenied} Without read access to `/run/netns`.
   */
  netnsIdentity(name: string): NetnsIdentity | undefined {
    return netnsIdentity(name);
  }

  /**
   * PIDs of the processes inside a named netns (`ip netns pids NAME`).
   * @param name The netns name.
   * @returns PIDs; `[]` when the netns does not exist.
   */
  async netnsPids(name: string): Promise<number[]> {
    const r = await this.run(["ip", "netns", "pids", name], { okCodes: [0, 1, 255] });
    if (r.code !== 0) return [];
    return r.stdout.split(/\s+/).filter((s) => s !== "").map(Number);
  }
}
