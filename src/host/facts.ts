/**
 * The facts a recipe plans from, gathered once before planning so that
 * `plan()` stays pure.
 *
 * @module
 */
import { type Runner, taking } from "../exec/mod.ts";
import { CommandError, PreconditionError } from "../errors.ts";
import { type IpAddrLink, type IpLink, type IpNeigh, IpReader, type IpRoute, type IpRule } from "./ip_json.ts";
import { type LinkSysctl, readLinkSysctls } from "./link_sysctl.ts";
import { readHostLists } from "./host_lists.ts";
import { readNftJson } from "./nft.ts";
import { type BoundSocket, readBoundSockets } from "./bound_sockets.ts";
import { type MulticastGroup, readMulticastGroups } from "./multicast.ts";
import { isWireless, netnsEntryState, netnsNamesNow } from "./sysfs.ts";
import { defaultRouteDevice } from "./default_route.ts";
import { IPV4_FORWARD, readForwardSysctls } from "./forward_sysctls.ts";
import { type NetnsIdentity, netnsIdentity, sameIdentity } from "./identity.ts";

/** A named network namespace and whether its `/run/netns` entry is a live namespace. */
export interface NetnsFact {
  /** The name, i.e. the entry `/run/netns/NAME`. */
  name: string;
  /**
   * `live` when the entry is a bind mount of a network namespace; `stale` when
   * it is a leftover file no namespace is mounted on (e.g. after a crash).
   */
  state: "live" | "stale";
  /**
   * The applied nsrecipe run that made it, when the caller said so ({@link GatherOptions.knownNetns}) for this very
   * namespace (same identity): its id and name (`undo NAME`).
   */
  madeBy?: { id: string; label: string };
}

/** What the host looks like, as far as recipes care. */
export interface HostFacts {
  /** Named network namespaces (`/run/netns`). */
  netns: NetnsFact[];
  /** Links of the host's network namespace, with details. */
  links: IpLink[];
  /** Addresses per link of the host's network namespace. */
  addrs: IpAddrLink[];
  /** IPv4 routes, every table. */
  routes4: IpRoute[];
  /** IPv6 routes, every table. */
  routes6: IpRoute[];
  /** The uplink, when it is a wireless link (sysfs `uevent` says `DEVTYPE=wlan`); other links are not looked at. */
  wireless: string[];
  /** Addresses (without prefix) used inside the live named network namespaces. */
  netnsAddresses: string[];
  /** Which live named namespace holds each of {@link HostFacts.netnsAddresses}: address → namespace name. */
  netnsHolding?: Readonly<Record<string, string>>;
  /**
   * Addresses another host on a LAN was found to hold (an ARP probe before
   * use, `arp_probe.ts`), so plans pick around them; absent until probed.
   * Not gathered by {@link gatherFacts}: `run` adds them when a plan's probe
   * finds a conflict, and plans again.
   */
  inUseOnLan?: readonly string[];
  /** `net.ipv4.ip_forward`: `"0"` or `"1"`. */
  ipForward: string;
  /** IPv4 policy routing rules (`ip -details rule`), in priority order. */
  rules4: IpRule[];
  /** IPv6 policy routing rules, in priority order. */
  rules6: IpRule[];
  /** Permanent and proxy neighbour entries of every link (configuration, not cache). */
  neighbours: IpNeigh[];
  /**
   * Per-interface settings `net.ipv{4,6}.conf.*` and `net.ipv{4,6}.neigh.*` of `all`, `default`, `lo`
   * and the uplink (no other link's are read).
   */
  linkSysctls: LinkSysctl[];
  /** The nftables ruleset as `nft -j list ruleset` entries; `undefined` when nft is not installed. */
  nftables: Record<string, unknown>[] | undefined;
  /** Sockets bound to a link by name (`SO_BINDTODEVICE`, from `ss`); `undefined` when ss could not be run. */
  boundSockets: BoundSocket[] | undefined;
  /**
   * Raw sockets whose link `ss` could not show, since the kernel lacks raw_diag (see
   * `readBoundSockets`), one phrase each; `[]` when none (or not read).
   */
  rawSocketsUnseen: string[];
  /**
   * Multicast groups joined on every link (`/proc/net/igmp`, `/proc/net/igmp6`, see
   * `src/host/multicast.ts`); `undefined` when not read (a plan that leaves the uplink alone) or unreadable.
   */
  multicastGroups: MulticastGroup[] | undefined;
}

/** Facts of an empty host (only `lo`), for unit tests and examples. */
export const EMPTY_FACTS: HostFacts = {
  netns: [],
  links: [{ ifindex: 1, ifname: "lo", flags: ["LOOPBACK", "UP"], mtu: 65536, operstate: "UNKNOWN" }],
  addrs: [],
  routes4: [],
  routes6: [],
  wireless: [],
  netnsAddresses: [],
  ipForward: "0",
  rules4: [],
  rules6: [],
  neighbours: [],
  linkSysctls: [],
  nftables: [],
  boundSockets: [],
  rawSocketsUnseen: [],
  multicastGroups: [],
};

/** What {@link gatherFacts} is asked to look at closely. */
export interface GatherOptions {
  /** The uplink named by the caller (`--uplink`); default: the device of the default route. */
  uplink?: string;
  /**
   * Read the uplink's kind (wireless) and the per-interface settings
   * (`linkSysctls`); default `true`. A plan that never touches the uplink
   * (every recipe but full-migrate, see `HostNeeds.movesUplink`) passes
   * `false`: then `wireless` and `linkSysctls` are `[]`, and `boundSockets`
   * is `undefined` (not read).
   */
  linkSettings?: boolean;
  /**
   * Read what only a plan that wires links looks at (`HostNeeds.wires`):
   * the nftables ruleset, the forwarding sysctls, the IPv6 policy rules and
   * the addresses inside named namespaces; default `true`. With `false` (a
   * plan that only names a namespace) none of them is read: `nftables`,
   * `rules6`, `netnsAddresses` are empty, `netnsHolding` too, and `ipForward`
   * is `"0"`, as in {@link EMPTY_FACTS}.
   */
  wiring?: boolean;
  /**
   * Read `net.ipv4.ip_forward` (`ipForward`): a plan that routes the
   * namespace out of the bridge (veth-bridge `--nat`, `CheckContext.routes`)
   * turns it on unless it is; default `true`. With `false` it is not read and
   * `ipForward` is `"0"`.
   */
  forwarding?: boolean;
  /**
   * Named namespaces whose addresses the caller already knows (from the
   * journal: the namespaces nsrecipe's open runs made, and the addresses
   * their steps added in them), by name. A live namespace whose
   * `/run/netns/NAME` still has the identity given is not entered; any other
   * is read with `ip -n NAME -json addr show`. Without it every live
   * namespace is read: one process each.
   */
  knownNetns?: ReadonlyMap<string, KnownNetns>;
}

/**
 * A named network namespace whose addresses are known without entering it
 * (see {@link GatherOptions.knownNetns}).
 */
export interface KnownNetns {
  /** The identity of the namespace the addresses are known for (`stat(2)` of `/run/netns/NAME`). */
  identity: NetnsIdentity;
  /** Its addresses without prefix, e.g. `10.200.0.2`. */
  addresses: readonly string[];
  /** The applied run that made it: its id and name. */
  run?: { id: string; label: string };
}

/**
 * The addresses held in a live named namespace, when the caller knows them
 * for the very namespace `/run/netns/NAME` names now (same device, inode and
 * time: a namespace deleted and made again by someone else is not known).
 * @param name The namespace name.
 * @param known What the caller knows.
 * @returns The addresses, or `undefined` when they must be read.
 */
function knownAddresses(
  name: string,
  known: ReadonlyMap<string, KnownNetns> | undefined,
): readonly string[] | undefined {
  return knownHere(name, known)?.addresses;
}

/**
 * What the caller knows of a named namespace, when it knows it for the very namespace `/run/netns/NAME` names now.
 * @param name The namespace name.
 * @param known What the caller knows.
 * @returns That knowledge, or `undefined`.
 */
function knownHere(name: string, known: ReadonlyMap<string, KnownNetns> | undefined): KnownNetns | undefined {
  const k = known?.get(name);
  if (!k) return undefined;
  const now = netnsIdentity(name);
  return now && sameIdentity(k.identity, now) ? k : undefined;
}

/**
 * How many namespaces {@link gatherFacts} reads at once (one `ip -n NS addr
 * show` each). Each process holds its pipes until it ends: hundreds started
 * together exhaust the file descriptors a process may have (RLIMIT_NOFILE,
 * 1024 by default, getrlimit(2)), and the host's own reads started beside
 * them then fail with EMFILE. A few at a time keep both cores busy.
 */
const NETNS_READS_AT_ONCE = 8;

/**
 * Gathers {@link HostFacts} from the host's network namespace, with a fixed
 * number of processes however many links the host has: its links,
 * addresses, routes, rules and neighbour entries in three `ip` processes
 * ({@link readHostLists}), whether each `/run/netns` entry is a namespace
 * from the filesystem (no process, `netnsEntryState`), and
 * sysfs and per-interface sysctls only for the uplink (the one named, or the
 * device of the default route): the only link whose kind (wireless) and
 * settings a plan looks at. Named namespaces are entered only when their
 * addresses are not known already ({@link GatherOptions.knownNetns}): one
 * process each (iproute2 reads another namespace's addresses only from
 * inside it, `ip -n`), started beside the host's lists from the names
 * `/run/netns` holds ({@link netnsNamesNow}), not after them.
 *
 * @param run The process seam (spawns `ip -json`, `cat`, `sysctl`, `nft`, `ss`).
 * @param opts Which uplink to look at, and the namespaces whose addresses are known.
 * @returns The facts; `wireless` and `linkSysctls` cover only the uplink (and `all`/`default`).
 * @throws {CommandError} When `ip` fails.
 * @throws {PreconditionError} When the addresses of a namespace still there
 *   after the read could not be read (one gone meanwhile counts as holding
 *   none): no address could be checked free.
 */
export async function gatherFacts(run: Runner, opts: GatherOptions = {}): Promise<HostFacts> {
  const ip = new IpReader(run);
  const wiring = opts.wiring !== false;
  // The addresses of each live namespace nobody told us about: one process each (`ip -n` also remounts /sys there),
  // started beside the host's lists, from the names `/run/netns` holds now (no process); one the lists name besides
  // (made meanwhile) is entered after them, and one gone meanwhile is left out.
  const entered = new Map<string, Promise<string[]>>();
  const inTurn = taking(NETNS_READS_AT_ONCE);
  const enter = (name: string): Promise<string[]> => {
    let addrs = entered.get(name);
    if (!addrs) {
      // A read that fails counts as "no addresses" only for a namespace gone meanwhile: a live one whose addresses
      // could not be read (a timeout, a fork that failed, a security profile refusing `ip -n`) would let a plan take
      // an address it holds, so its error is the caller's.
      addrs = inTurn(() => ip.addrs(name)).then((links) => links.flatMap((l) => l.addr_info.map((a) => a.local)))
        .catch((e) => netnsEntryState(name) === "live" ? Promise.reject(unreadNetns(name, e)) : []);
      addrs.catch(() => {}); // awaited below when the lists name it; one they do not name is not waited for
      entered.set(name, addrs);
    }
    return addrs;
  };
  if (wiring) {
    for (const name of netnsNamesNow()) {
      if (netnsEntryState(name) === "live" && !knownHere(name, opts.knownNetns)) enter(name);
    }
  }
  const [lists, nftables, sockets, forward, multicastGroups] = await Promise.all([
    readHostLists(run, { rules6: wiring }),
    wiring ? readNftJson(run) : Promise.resolve([]),
    // Sockets bound to the uplink matter only to a plan that moves it (like its settings).
    opts.linkSettings === false ? Promise.resolve(undefined) : readBoundSockets(run),
    // With doctor's bridge netfilter settings (one process, when both are read); without sysctl the value is unknown:
    // plans that need to change it say so through their own check.
    wiring && opts.forwarding !== false ? readForwardSysctls(run) : Promise.resolve(undefined),
    // Like bound sockets: memberships on the uplink matter only to a plan that moves it.
    opts.linkSettings === false ? Promise.resolve(undefined) : readMulticastGroups(run),
  ]).catch(async (e) => {
    await Promise.allSettled(entered.values()); // the namespaces' reads end before the error is thrown
    throw e;
  });
  const { netns, links, addrs, routes4, routes6, rules4, rules6, neighbours } = lists;
  const netnsFacts: NetnsFact[] = netns.map((n) => {
    const state = netnsEntryState(n.name) === "live" ? "live" : "stale";
    const run = state === "live" ? knownHere(n.name, opts.knownNetns)?.run : undefined;
    return { name: n.name, state, ...(run ? { madeBy: run } : {}) };
  });
  const uplink = opts.linkSettings === false
    ? undefined
    : links.find((l) => l.ifname === (opts.uplink ?? defaultRouteDevice({ routes4, routes6 })));
  const [inside, linkSysctls, wireless] = await Promise.all([
    // Only namespaces nobody told us about are entered (most already are, beside the lists).
    Promise.all(
      netnsFacts.filter((n) => wiring && n.state === "live").map((n) =>
        knownAddresses(n.name, opts.knownNetns) ?? enter(n.name)
      ),
    ),
    // `lo` and `default` hold the values a new bridge gets (recipes/uplink_settings.ts).
    opts.linkSettings === false ? [] : readLinkSysctls(run, undefined, undefined, [
      "all",
      "default",
      "lo",
      ...uplink ? [uplink.ifname] : [],
    ])
      .catch((e) => {
        // Without sysctl the settings are unknown; plans carry none and say so.
        if (e instanceof CommandError && e.code === -1) return [];
        throw e;
      }),
    uplink?.link_type === "ether" ? isWireless(run, uplink.ifname) : false,
  ]);
  const live = netnsFacts.filter((n) => wiring && n.state === "live");
  // A namespace entered ahead and gone since: its read ends here too (no process outlives the gathering).
  await Promise.all(entered.values());
  return {
    netns: netnsFacts,
    netnsAddresses: inside.flat(),
    netnsHolding: Object.fromEntries(live.flatMap((n, i) => inside[i].map((a) => [a, n.name]))),
    ipForward: (forward?.ok ? forward.values.get(IPV4_FORWARD) : undefined) ?? "0",
    links,
    addrs,
    routes4,
    routes6,
    rules4,
    rules6,
    neighbours,
    linkSysctls,
    nftables,
    boundSockets: sockets?.bound,
    rawSocketsUnseen: sockets?.rawUnseen ?? [],
    multicastGroups,
    wireless: wireless && uplink ? [uplink.ifname] : [],
  };
}

/**
 * The refusal for a live namespace whose addresses could not be read: a plan
 * cannot tell which addresses it holds, so none may be picked or checked free.
 * @param name The namespace.
 * @param e What the read threw (a {@link CommandError} carries iproute2's message).
 * @returns The error to throw (exit 3).
 */
function unreadNetns(name: string, e: unknown): PreconditionError {
  const why = e instanceof CommandError ? e.message : String(e);
  return new PreconditionError(
    `Cannot read the addresses of network namespace '${name}', so no address can be checked free: ${why}`,
    `Check 'ip -n ${name} addr show' as root; if '${name}' is no longer used, delete it ('ip netns del ${name}').`,
  );
}
