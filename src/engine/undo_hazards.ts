/**
 * What undo must look at before it changes anything, so that it never
 * destroys what is not its own (RELIABILITY.md section 3):
 *
 * - **Foreign attachments** ({@link foreignAttachments}): deleting a link
 *   also releases its bridge ports and drops its addresses and routes, and
 *   deleting a network namespace destroys every link inside it (a veth's
 *   peer in the host goes with it). Whatever someone attached to an object
 *   the run made (a VM's port enslaved to the run's bridge, an address or
 *   route an admin added to it, a link moved into the run's namespace) would
 *   be destroyed with it.
 * - **Addresses that cannot come back** ({@link unrestorable}): full-migrate
 *   moved the uplink's addresses to its bridge. When the uplink was removed
 *   and made again meanwhile (a NIC unplugged and replugged, a driver
 *   reloaded), it is another link: undo leaves it alone, so reverting would
 *   take the addresses away from the bridge and put them nowhere.
 *
 * Both are read before the first inverse, so undo refuses with the host as
 * it found it. Pure decisions over `ip -json` reads.
 *
 * @module
 */
import { describeIdentity, type Identities, locate, type Whereabouts } from "../host/identity.ts";
import type { IpAddrInfo, IpLink, IpReader, IpRoute } from "../host/ip_json.ts";
import { quote, shellQuote } from "../quote.ts";
import {
  addrArgv,
  type AddrSpec,
  neighArgv,
  type NeighSpec,
  routeArgv,
  routeMatches,
  type RouteSpec,
  type Step,
} from "../steps/mod.ts";
import type { StepState } from "../journal/mod.ts";
import type { RevertItem } from "./revert.ts";

/** Where the object a step names stands now, by the identity the step's run recorded. */
async function whereabouts(item: RevertItem, key: string, ip: IpReader): Promise<Whereabouts> {
  const recorded = item.identities ?? {};
  if (!recorded[key]) return { state: "unknown" };
  return (await locate(ip, [key], recorded)).get(key)!;
}

/** The current name of a link the step's run made, or `undefined` when it is gone or was replaced. */
async function currentLink(item: RevertItem, dev: string, ip: IpReader): Promise<string | undefined> {
  const w = await whereabouts(item, `link:${dev}`, ip);
  if (w.state === "replaced" || w.state === "gone") return undefined;
  const name = w.state === "renamed" ? w.name : dev;
  return (await ip.link(name)) ? name : undefined;
}

/**
 * What nsrecipe itself put on host links and into namespaces, over every run
 * of the journal: the links it made or enslaved, the addresses, routes and
 * neighbour entries it added (by link), and the links it moved into each
 * namespace (by their name inside).
 */
interface Known {
  /**
   * Ifindexes of links runs made or enslaved, as each run recorded them (a renamed own link is still own, a
   * replaced one is not).
   */
  ifindexes: Set<number>;
  /**
   * Names of links a run made or enslaved in a step that was started (it has an intent record) and not reverted,
   * but recorded no identity for: killed between a batch's `ip` and its done records, the run never learnt their
   * ifindex, so a link of that name is taken as the one its step made or enslaved (the step may have taken
   * effect). Judged per run: another run's identity of the same name (an earlier run's link, long gone) says
   * nothing about this one's.
   */
  unrecorded: Set<string>;
  addrs: Map<string, AddrSpec[]>;
  routes: RouteSpec[];
  neighs: Map<string, NeighSpec[]>;
  inNetns: Map<string, Set<string>>;
}

/**
 * {@link knownOf}'s answers by list of runs: `status` asks once per run with the same list, the journal's runs, which
 * nothing changes once read.
 */
const knownByRuns = new WeakMap<readonly Journaled[], Known>();

/** What nsrecipe put where, over these runs ({@link Known}); built once per list of runs. */
function knownOf(runs: readonly Journaled[]): Known {
  const known = knownByRuns.get(runs) ?? knownFrom(runs);
  knownByRuns.set(runs, known);
  return known;
}

/** The names of the host links a step makes or enslaves (none for other kinds). */
function linksOf(s: Step): string[] {
  if (s.kind === "veth-add") return [s.dev, s.peer];
  if (s.kind === "bridge-add" || s.kind === "link-set-master") return [s.dev];
  return [];
}

/**
 * Whether a step in this state may have left its effect on the host: started (an intent record, maybe done, failed
 * or its inverse failed) and not reverted. A `planned` step never ran; an `undone` one was reverted. Unknown
 * (`undefined`): taken as started.
 */
function mayHaveEffect(state: StepState | undefined): boolean {
  return state !== "planned" && state !== "undone";
}

function knownFrom(runs: readonly Journaled[]): Known {
  const k: Known = {
    ifindexes: new Set(),
    unrecorded: new Set(),
    addrs: new Map(),
    routes: [],
    neighs: new Map(),
    inNetns: new Map(),
  };
  const push = <T>(m: Map<string, T[]>, key: string, v: T) => m.set(key, [...(m.get(key) ?? []), v]);
  for (const r of runs) {
    r.steps.forEach((s, i) => {
      for (const name of linksOf(s)) {
        const id = r.identities[`link:${name}`];
        if (id?.type === "link") k.ifindexes.add(id.ifindex);
        else if (mayHaveEffect(r.stepStates?.[i])) k.unrecorded.add(name);
      }
    });
    for (const s of r.steps) {
      switch (s.kind) {
        case "link-set-netns":
          k.inNetns.set(s.netns, (k.inNetns.get(s.netns) ?? new Set()).add(s.newName));
          break;
        case "addr-add":
          if (!s.netns) push(k.addrs, s.dev, s.addr);
          break;
        case "route-add":
          if (!s.netns) k.routes.push(s.route);
          break;
        case "neigh-add":
          push(k.neighs, s.dev, s.neigh);
          break;
        default:
          break;
      }
    }
  }
  return k;
}

/** What undo needs of a run of the journal: its steps and the identities it recorded. */
export interface Journaled {
  /** The run's plan. */
  steps: readonly Step[];
  /** Identities by object key (`link:NAME`, `netns:NAME`). */
  identities: Identities;
  /**
   * Where each step stands, by index; a `planned` step (no intent record) made nothing. Absent: every step is
   * taken as started.
   */
  stepStates?: readonly StepState[];
}

/**
 * Whether the kernel made an address by itself: an IPv6 link-local address
 * (fe80::/10), which addrconf gives every link that comes up, or an IPv6
 * address with a finite lifetime, which SLAAC made from a router
 * advertisement and makes again on the link the uplink returns to (RFC 4862).
 */
function kernelAddr(a: IpAddrInfo): boolean {
  return a.family === "inet6" && (/^fe[89ab][0-9a-f]:/i.test(a.local) || a.dynamic === true);
}

/**
 * Whether the kernel made a route by itself: `proto kernel` (prefix routes of
 * addresses, table-local entries, IPv6 multicast) and routes learned from
 * router advertisements on the link (`proto ra`, ip-route(8)).
 */
function kernelRoute(r: IpRoute): boolean {
  return r.protocol === "kernel" || r.protocol === "ra";
}

/** One line naming a route as `ip route` would, e.g. `192.0.2.0/24 via 198.51.100.1 table 100`. */
function routeText(r: IpRoute): string {
  return [
    r.type && r.type !== "unicast" ? r.type : "",
    r.dst,
    r.gateway ? `via ${r.gateway}` : "",
    r.table && r.table !== "main" ? `table ${r.table}` : "",
    r.protocol ? `proto ${r.protocol}` : "",
  ].filter(Boolean).join(" ");
}

/**
 * Whether a link is stacked on `dev`, so that the kernel deletes it with `dev`:
 * a VLAN, macvlan, macvtap or ipvlan names its lower link as `link` (IFLA_LINK,
 * `ip link add link DEV …`, ip-link(8)); a VXLAN its `dev` in its own data
 * (`info_data.link`, deleted with it by the vxlan driver). A veth's `link` is its
 * peer, not a lower link.
 * @param l The link, as `ip -json -details link show` gives it.
 * @param dev The lower link's name.
 */
function stackedOn(l: IpLink, dev: string): boolean {
  const kind = l.linkinfo?.info_kind;
  return (l.link === dev && kind !== "veth") || (kind === "vxlan" && l.linkinfo?.info_data?.link === dev);
}

/** What someone else attached to one link undo would delete. */
async function foreignOnLink(
  dev: string,
  journaledAs: string,
  known: Known,
  ip: IpReader,
  bridge: boolean,
): Promise<string[]> {
  const out: string[] = [];
  const what = bridge ? "bridge" : "link";
  const ownLink = (l: IpLink) => known.ifindexes.has(l.ifindex) || known.unrecorded.has(l.ifname);
  const links = await ip.links();
  if (bridge) {
    const ports = links.filter((l) => l.master === dev && !ownLink(l));
    for (const p of ports) out.push(`${quote(p.ifname)} is a port of ${what} ${quote(dev)}`);
  }
  for (const u of links.filter((l) => stackedOn(l, dev) && !ownLink(l))) {
    out.push(`${quote(u.ifname)} (${u.linkinfo?.info_kind ?? "a link"}) is stacked on ${what} ${quote(dev)}`);
  }
  const own = known.addrs.get(journaledAs) ?? [];
  for (const a of (await ip.addrs(undefined, dev)).flatMap((l) => l.addr_info)) {
    if (kernelAddr(a) || own.some((o) => o.family === a.family && o.local === a.local)) continue;
    out.push(`address ${a.local}/${a.prefixlen} is on ${what} ${quote(dev)}`);
  }
  for (const r of await ip.routesThrough(dev)) {
    if (kernelRoute(r)) continue;
    if (known.routes.some((s) => routeMatches(r, { ...s, dev: s.dev === undefined ? undefined : r.dev }))) continue;
    out.push(`route ${routeText(r)} goes through ${what} ${quote(dev)}`);
  }
  const neighs = known.neighs.get(journaledAs) ?? [];
  for (const n of await ip.staticNeighbours(undefined, dev)) {
    if (neighs.some((o) => o.dst === n.dst)) continue;
    out.push(`neighbour entry ${n.dst} is on ${what} ${quote(dev)}`);
  }
  return out;
}

/**
 * Finds what someone other than nsrecipe attached to the objects undo is
 * about to delete: for a bridge a run made, its ports other than links
 * nsrecipe made or enslaved (by the ifindex each run recorded; by name when
 * the run's step was started but recorded no identity, as after a kill
 * between a batch's `ip` and its done records), and its addresses, routes (any table, both
 * families, multipath next hops included) and static neighbour entries that
 * no run added and the kernel did not make (IPv6 link-local addresses,
 * `proto kernel` and `proto ra` routes), and links stacked on it (a VLAN,
 * macvlan, ipvlan or VXLAN whose lower link it is: the kernel deletes them
 * with it);
 * the same, but ports, for the host end of a veth a run made; for a namespace a run made, every link inside but
 * `lo` and those a run moved in. `ip link del` would release or drop all of
 * them (ip-link(8)), and `ip netns del` of an emptied namespace destroys the
 * links inside (a veth's host end with them). Objects already gone, replaced
 * or renamed are judged by the identity their run recorded: a replaced one is
 * not the run's and undo leaves it alone anyway.
 *
 * @param items The steps undo will revert.
 * @param journaled Every run of the journal (what nsrecipe itself made, and the identities it recorded).
 * @param ip Reader of the host's state.
 * @returns One line per foreign thing, e.g. `'vnet0' is a port of bridge 'br0'`; `[]` when none.
 * @throws {CommandError} When `ip` fails.
 */
export async function foreignAttachments(
  items: readonly RevertItem[],
  journaled: readonly Journaled[],
  ip: IpReader,
): Promise<string[]> {
  const known = knownOf(journaled);
  const out: string[] = [];
  for (const item of items) {
    const s = item.step;
    if (s.kind === "bridge-add" || s.kind === "veth-add") {
      const dev = await currentLink(item, s.dev, ip);
      if (dev) out.push(...await foreignOnLink(dev, s.dev, known, ip, s.kind === "bridge-add"));
    } else if (s.kind === "netns-add") {
      const w = await whereabouts(item, `netns:${s.netns}`, ip);
      if (w.state === "replaced" || w.state === "gone") continue;
      if (ip.netnsEntryState(s.netns) === "absent") continue;
      const own = known.inNetns.get(s.netns) ?? new Set();
      for (const l of await ip.links(s.netns)) {
        if (l.ifname === "lo" || own.has(l.ifname)) continue;
        out.push(`link ${quote(l.ifname)} is in network namespace ${quote(s.netns)} (moved or made there by hand)`);
      }
    }
  }
  return out;
}

/**
 * The named namespaces whose links {@link foreignAttachments} may read for
 * these steps: those of the `netns-add` steps undo reverts (it reads one
 * when the namespace is still there, the run's own). A caller may read them
 * ahead, beside its other reads of the same moment, through the reader it
 * then passes to {@link foreignAttachments} (a `SnapshotIpReader` answers
 * the question again from that read). Pure.
 * @param items The steps undo will revert.
 * @returns Namespace names, in the order of the steps.
 */
export function namespacesLookedInto(items: readonly RevertItem[]): string[] {
  return items.flatMap((i) => i.step.kind === "netns-add" ? [i.step.netns] : []);
}

/** What undo would take away and cannot give back, with the commands that give it back by hand. */
export interface Unrestorable {
  /** One line per address that would be lost, naming where it is and why it cannot come back. */
  lost: string[];
  /** Commands that put the captured configuration on the link that replaced the uplink. */
  commands: string[];
  /** Pairs of the link that replaced the uplink and the link the run made that holds its addresses now. */
  holders: { from: string; holder: string }[];
}

/**
 * Finds the addresses undo would remove from a link the run made (the bridge
 * full-migrate moved them to) while the link they came from, which the run
 * only changed, was removed and made again meanwhile (or is gone): undo
 * leaves such a link alone (it is not the object the run changed), so the
 * addresses would be taken away and put back nowhere, leaving the host
 * without them. The commands returned restore what the run moved off that
 * link (addresses, then routes, then static neighbour entries, as captured)
 * onto the link now bearing its name; they are for the admin to judge.
 *
 * @param items The steps undo will revert, newest first.
 * @param ip Reader of the host's state.
 * @returns The lost addresses, the restoring commands and the links involved; `lost` is `[]` when none.
 * @throws {CommandError} When `ip` fails.
 */
export async function unrestorable(items: readonly RevertItem[], ip: IpReader): Promise<Unrestorable> {
  const out: Unrestorable = { lost: [], commands: [], holders: [] };
  const moved = new Map<string, { dev: string; why: string }>();
  for (const item of items) {
    const s = item.step;
    if (s.kind !== "addr-del" && s.kind !== "route-del" && s.kind !== "neigh-del") continue;
    const dev = s.kind === "route-del" ? s.route.dev : s.dev;
    if (dev === undefined) continue;
    const w = await whereabouts(item, `link:${dev}`, ip);
    if (w.state !== "replaced" && w.state !== "gone") continue;
    const recorded = item.identities?.[`link:${dev}`];
    const why = w.state === "replaced"
      ? `${quote(dev)} is now another link (${describeIdentity(w.found)}), not the one the run changed (${
        describeIdentity(recorded!)
      })`
      : `${quote(dev)} is gone`;
    if (s.kind === "addr-del") {
      const spec = (item.captured as AddrSpec | undefined) ?? s.addr;
      moved.set(`${spec.family} ${spec.local}`, { dev, why });
      out.commands.unshift(shellQuote(addrArgv("add", spec, dev)));
    } else if (s.kind === "route-del") {
      out.commands.push(shellQuote(routeArgv("add", (item.captured as RouteSpec | undefined) ?? s.route)));
    } else {
      out.commands.push(shellQuote(neighArgv("replace", (item.captured as NeighSpec | undefined) ?? s.neigh, dev)));
    }
  }
  if (moved.size === 0) return out;
  for (const item of items) {
    const s = item.step;
    if (s.kind !== "addr-add" || s.netns) continue;
    const from = moved.get(`${s.addr.family} ${s.addr.local}`);
    if (!from) continue;
    const holder = await currentLink(item, s.dev, ip);
    if (!holder) continue;
    const held = (await ip.addrs(undefined, holder)).flatMap((l) => l.addr_info)
      .some((a) => a.family === s.addr.family && a.local === s.addr.local);
    if (!held) continue;
    if (!out.holders.some((h) => h.from === from.dev && h.holder === holder)) {
      out.holders.push({ from: from.dev, holder });
    }
    out.lost.push(
      `address ${s.addr.local}/${s.addr.prefixlen} would be removed from ${quote(holder)} and could not go back to ${
        quote(from.dev)
      }: ${from.why}`,
    );
  }
  if (out.lost.length === 0) return { lost: [], commands: [], holders: [] };
  return out;
}
