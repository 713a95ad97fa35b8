/**
 * `veth-bridge`: a named netns wired to a host bridge by a veth pair.
 *
 * The manual procedure and its traps, each handled here: the peer is looked
 * up after `ip link add … type veth peer name …` (it may be missing); the
 * peer is moved and renamed `eth0` in one request; links are brought up
 * before addresses and addresses before the default route (`Nexthop has
 * invalid gateway` otherwise); a bridge nsrecipe creates has STP off (a new
 * port would otherwise wait 2 × 15 s); IPv6 addresses get `nodad` so a command
 * can bind at once; derived link names stay within 15 bytes. The wiring
 * steps it shares with full-migrate live in `attach.ts`; this module owns
 * veth-bridge's own choices: the bridge, the subnet and addresses, the MTU,
 * NAT.
 *
 * @module
 */
import type { output } from "zod/mini";
import { z } from "../src/zod.ts";
import { PreconditionError, UsageError } from "../src/errors.ts";
import { DEFAULT_BRIDGE } from "../src/names.ts";
import {
  defaultRouteDevice,
  type HostFacts,
  type IpAddrInfo,
  type IpLink,
  IPV4_FORWARD,
  refsNamingNewBridge,
} from "../src/host/mod.ts";
import { type ObjectId, objectId, type Step } from "../src/steps/mod.ts";
import { assertNetnsFree, netns, netnsNameField } from "./netns.ts";
import { netnsEnter } from "./enter.ts";
import {
  assertHostAddress,
  assertUsableSubnet,
  type Cidr,
  hostAddresses,
  hostAt,
  inSubnet,
  isSingleAddress,
  overlaps,
  parseCidr,
  parseSubnet,
  type Subnet,
  subnetCidr,
} from "./subnet.ts";
import { quote } from "../src/quote.ts";
import type { AddressProbe, Plan, Recipe } from "./types.ts";
import { addrSpec, attachSteps, netnsVethSteps, vethNames } from "./attach.ts";
import { linkNameField, mtuField } from "./fields.ts";
import { cidrField } from "./cidr_fields.ts";
import { natTable } from "./nat_table.ts";
import { bridgeMac, portlessChange, vethMac } from "./mac.ts";

/** The private pool default subnets come from: the first free `10.200.N.0/24`, N = 0…255. */
export const SUBNET_POOL = { base: "10.200.0.0", prefix: 24, count: 256 } as const;

const params = z.object({
  name: netnsNameField(),
  bridge: linkNameField("--bridge", `host bridge (default '${DEFAULT_BRIDGE}'; an existing one is used, not owned)`),
  subnet: cidrField(
    "--subnet",
    "subnet CIDR (default: the bridge's, else the first free 10.200.N.0/24 on this host)",
    "subnet",
  ),
  address: cidrField("--address", "namespace address, CIDR (default: the subnet's first free from .2)", "address"),
  bridgeAddress: cidrField("--bridge-address", "bridge address, CIDR (default: the subnet's .1)", "address"),
  veth: linkNameField("--veth", "host-side veth name, at most 15 bytes (default: derived from --name)"),
  mtu: mtuField("MTU of the veth pair in bytes"),
  nat: z.optional(z.boolean()).check(
    z.describe("masquerade the namespace's traffic out of the uplink (nftables; not on a bridge that carries the LAN)"),
  ),
  uplink: linkNameField("--uplink", "uplink for --nat (default: the device of the default route)"),
  force: z.optional(z.boolean()).check(z.describe(
    "with --nat, go ahead although the host's forward filtering drops the namespace's routed traffic " +
      "(see 'nsrecipe doctor'); on an existing bridge with no port, accept that undo leaves it without carrier " +
      "(and its MAC 00:00:00:00:00:00 unless set by hand)",
  )),
});

/** Parsed parameters of veth-bridge. */
export type VethBridgeParams = output<typeof params>;

/** Every CIDR in use on the host: addresses (with prefix) and route destinations. */
function usedCidrs(facts: HostFacts, except?: string): string[] {
  const addrs = facts.addrs.filter((l) => l.ifname !== except).flatMap((l) =>
    l.addr_info.filter((a) => a.scope !== "link" && a.scope !== "host").map((a) => `${a.local}/${a.prefixlen}`)
  );
  const routes = [...facts.routes4, ...facts.routes6].filter((r) =>
    r.dst !== "default" && r.dev !== except && (r.table ?? "main") !== "local" && r.dst.includes("/")
  ).map((r) => r.dst);
  return [...addrs, ...routes];
}

/**
 * The first subnet of {@link SUBNET_POOL} that overlaps no address or route on
 * the host, the way container engines pick theirs.
 * @param facts Host facts.
 * @returns The subnet.
 * @throws {PreconditionError} When the whole pool is taken.
 */
export function pickFreeSubnet(facts: HostFacts): Subnet {
  const used = usedCidrs(facts);
  const base = parseSubnet(`${SUBNET_POOL.base}/16`);
  for (let n = 0; n < SUBNET_POOL.count; n++) {
    const candidate = parseSubnet(`${hostAt(base, n * 256)}/${SUBNET_POOL.prefix}`);
    if (!used.some((c) => overlaps(candidate, c))) return candidate;
  }
  throw new PreconditionError("Every subnet of 10.200.0.0/16 is in use on this host", "Pass --subnet.");
}

/** The addressing of one namespace on a bridge. */
export interface Addressing {
  subnet: Subnet;
  /** Bridge address (`local`, `prefix`) and whether it must be added. */
  bridge: { local: string; prefix: number; add: boolean };
  /** Namespace address. */
  netns: { local: string; prefix: number };
  /**
   * Point-to-point addressing (/32, /128): the two addresses share no subnet,
   * so the namespace's default route is `onlink` and the host reaches the
   * namespace by a host route on the bridge (ip-route(8)).
   */
  pointToPoint: boolean;
}

const P2P_HINT = "For point-to-point addressing give --address A/32 and --bridge-address B/32 (/128 for IPv6); " +
  "a /31 (RFC 3021) or /127 (RFC 6164) holds both addresses in one subnet.";

/** The CIDRs given as options, each parsed strictly and checked against the reserved ranges. */
interface Given {
  subnet?: Cidr;
  bridge?: Cidr;
  netns?: Cidr;
}

function givenCidrs(p: VethBridgeParams): Given {
  const one = (text: string | undefined, option: string) => {
    if (text === undefined) return undefined;
    const c = parseCidr(text, option);
    assertUsableSubnet(c.subnet, option, text);
    return c;
  };
  return {
    subnet: one(p.subnet, "--subnet"),
    bridge: one(p.bridgeAddress, "--bridge-address"),
    netns: one(p.address, "--address"),
  };
}

/**
 * Addresses (without prefix) that are not free: held on the host, by the
 * peers of its point-to-point addresses, in its named namespaces, by the
 * gateways of its routes, or found on a LAN by a probe.
 */
function takenAddresses(facts: HostFacts): Set<string> {
  const held = facts.addrs.flatMap((l) => l.addr_info.flatMap((a) => (a.address ? [a.local, a.address] : [a.local])));
  const gateways = [...facts.routes4, ...facts.routes6].flatMap((r) => [
    ...(r.gateway ? [r.gateway] : []),
    ...(r.nexthops ?? []).flatMap((n) => (n.gateway ? [n.gateway] : [])),
  ]);
  return new Set([...held, ...facts.netnsAddresses, ...gateways, ...(facts.inUseOnLan ?? [])]);
}

/**
 * Who holds an address {@link takenAddresses} lists, for the refusal (pure).
 * @param facts Host facts.
 * @param address The address, without prefix.
 * @returns e.g. `: network namespace 'v2' holds it (applied run 20261130T234313-bdc2, v2)`, `: the host's link
 *   'eth0' holds it`, `: it is a gateway of this host's routes`, `: another host on the LAN answered for it`.
 */
function heldBy(facts: HostFacts, address: string): string {
  const link = facts.addrs.find((l) => l.addr_info.some((a) => a.local === address));
  if (link) return `: the host's link '${link.ifname}' holds it`;
  const peer = facts.addrs.find((l) => l.addr_info.some((a) => a.address === address));
  if (peer) return `: it is the peer of the host's point-to-point link '${peer.ifname}'`;
  const netns = facts.netnsHolding?.[address];
  if (netns !== undefined) {
    const run = facts.netns.find((n) => n.name === netns)?.madeBy;
    return `: network namespace '${netns}' holds it${run ? ` (applied run ${run.id}, ${run.label})` : ""}`;
  }
  if ((facts.inUseOnLan ?? []).includes(address)) return ": another host on the LAN answered for it";
  return ": it is a gateway of this host's routes";
}

function firstOf(candidates: Iterable<string>, ok: (a: string) => boolean): string | undefined {
  for (const c of candidates) if (ok(c)) return c;
  return undefined;
}

/**
 * Names the nftables and policy rules that already name the bridge this run
 * creates (`refsNamingNewBridge`): they start applying to the namespace's
 * traffic through it. A note, not a refusal (unlike full-migrate, which
 * refuses them unless `--force`): the new bridge carries only the
 * namespace's traffic, so nothing that works today changes, and a rule
 * written for that name is as likely meant for it (a template for this very
 * setup) as left over; what it does is seen at once in the new namespace.
 * @param facts Host facts.
 * @param bridge The bridge this run creates.
 * @returns One note, or none.
 */
function newBridgeRuleNotes(facts: HostFacts, bridge: string): string[] {
  const refs = refsNamingNewBridge(facts, bridge);
  if (refs.length === 0) return [];
  return [
    `Rules already name ${quote(bridge)}, which this run creates: they will apply to the namespace's traffic ` +
    `through it: ${refs.join("; ")}.`,
  ];
}

/**
 * Whether an existing bridge carries a LAN, so addresses used on it must be
 * probed there first: it is the device of a default route (as after
 * full-migrate), or one of its ports is not a veth (a NIC, a bond or a VLAN:
 * the uplink, enslaved by hand).
 * @param bridge The existing bridge.
 * @param facts Host facts (links with details: a port's `linkinfo.info_kind`).
 * @returns `true` when it carries a LAN.
 */
export function carriesLan(bridge: IpLink, facts: HostFacts): boolean {
  const isDefault = (r: { dst: string; dev?: string }) => r.dst === "default" && r.dev === bridge.ifname;
  return facts.routes4.some(isDefault) || facts.routes6.some(isDefault) ||
    facts.links.some((l) => l.master === bridge.ifname && l.linkinfo?.info_kind !== "veth");
}

/**
 * Works out subnet, bridge address and namespace address from the options,
 * the bridge's existing addresses and what the host uses.
 *
 * The subnet is `--subnet`, else that of `--bridge-address` or `--address`,
 * else the bridge's first global IPv4 subnet, else a free one from
 * {@link SUBNET_POOL}. The bridge takes its address on that subnet (or the
 * subnet's first host address), the namespace the next free host address;
 * a /31 or /127 holds exactly these two (`subnet.ts` says which addresses a
 * host may hold). A /32 or /128 `--address` is point-to-point: the bridge's
 * side is a /32 (/128) `--bridge-address`, or one already on the bridge.
 *
 * @param p Parameters.
 * @param bridge The existing bridge, if any.
 * @param facts Host facts.
 * @returns The addressing.
 * @throws {UsageError} For malformed CIDRs (leading zeros included), a subnet
 *   in a reserved range (multicast, loopback, link-local, 0/8, 240/4, …),
 *   addresses outside the subnet, the two addresses on different subnets
 *   (K09), the same address for both, a network/broadcast/anycast address,
 *   a /32 or /128 `--subnet`, or point-to-point addressing given by halves.
 * @throws {PreconditionError} When the subnet overlaps an address or route
 *   already on the host, or the namespace address is in use.
 */
export function planAddressing(p: VethBridgeParams, bridge: IpLink | undefined, facts: HostFacts): Addressing {
  const onBridge = bridge ? facts.addrs.find((l) => l.ifname === bridge.ifname)?.addr_info ?? [] : [];
  const given = givenCidrs(p);
  if (given.subnet && isSingleAddress(given.subnet.subnet)) {
    throw new UsageError(
      `--subnet ${quote(p.subnet!)} holds a single address; the bridge and the namespace need one each`,
      P2P_HINT,
    );
  }
  if ([given.netns, given.bridge].some((c) => c && isSingleAddress(c.subnet))) {
    return pointToPoint(p, given, onBridge, bridge, facts);
  }
  let subnet: Subnet;
  if (given.subnet) subnet = given.subnet.subnet;
  else if (given.bridge) subnet = given.bridge.subnet;
  else if (given.netns) subnet = given.netns.subnet;
  else {
    // A /32 on the bridge is a point-to-point gateway, not a subnet to share: it is used only with --address A/32.
    const existing = onBridge.find((a) => a.family === "inet" && a.scope === "global" && a.prefixlen < 32);
    subnet = existing ? parseSubnet(`${existing.local}/${existing.prefixlen}`) : pickFreeSubnet(facts);
  }
  const cidr = subnetCidr(subnet);
  for (const [option, c] of [["--bridge-address", given.bridge], ["--address", given.netns]] as const) {
    if (!c) continue;
    if (c.subnet.family !== subnet.family || c.prefix !== subnet.prefix || !inSubnet(c.local, cidr)) {
      throw new UsageError(
        option === "--address" && given.bridge
          ? `--address ${p.address} and --bridge-address ${p.bridgeAddress} are not on the same subnet: the default route via the bridge address would be refused ('Nexthop has invalid gateway')`
          : `${option} ${c.local}/${c.prefix} is not inside the subnet ${cidr}`,
        "Give both addresses on one subnet, with the same prefix length.",
      );
    }
    assertHostAddress(
      c.local,
      subnet,
      option,
      `Choose another address, or a /${subnet.family === 4 ? "31 (RFC 3021)" : "127 (RFC 6164)"}, ` +
        "where both addresses are usable.",
    );
  }
  if (given.bridge && given.netns && given.bridge.local === given.netns.local) {
    throw new UsageError(
      `--address and --bridge-address are both ${given.netns.local}: the namespace's gateway would be its own address`,
      "Give the bridge and the namespace different addresses.",
    );
  }
  const bridgeHas = onBridge.find((a) => inSubnet(a.local, cidr) && a.prefixlen === subnet.prefix);
  const taken = takenAddresses(facts);
  const bridgeLocal = given.bridge?.local ?? bridgeHas?.local ??
    firstOf(hostAddresses(subnet), (a) => !taken.has(a));
  if (bridgeLocal === undefined) {
    throw new PreconditionError(`No free address left in ${cidr} for the bridge`, "Pass another --subnet.");
  }
  const addBridge = !onBridge.some((a) => a.local === bridgeLocal);
  if (addBridge) {
    const clash = usedCidrs(facts, bridge?.ifname).find((c) => overlaps(subnet, c));
    if (clash) {
      throw new PreconditionError(
        `The subnet ${cidr} overlaps ${clash}, already in use on this host`,
        "Choose another --subnet, or leave it out to get a free one.",
      );
    }
  }
  taken.add(bridgeLocal);
  let netnsLocal = given.netns?.local;
  if (netnsLocal === undefined) {
    netnsLocal = firstOf(hostAddresses(subnet), (a) => !taken.has(a));
    if (netnsLocal === undefined) {
      throw new PreconditionError(
        `No free address left in ${cidr} (the bridge holds ${bridgeLocal})`,
        "Pass --subnet.",
      );
    }
  } else if (netnsLocal === bridgeLocal) {
    throw new UsageError(
      `--address ${netnsLocal} is the bridge's address: the namespace's gateway would be its own address`,
      "Give the namespace another address on the subnet.",
    );
  } else if (taken.has(netnsLocal)) {
    throw new PreconditionError(
      `--address ${netnsLocal} is already in use${heldBy(facts, netnsLocal)}`,
      "Choose a free address.",
    );
  }
  return {
    subnet,
    bridge: { local: bridgeLocal, prefix: subnet.prefix, add: addBridge },
    netns: { local: netnsLocal, prefix: subnet.prefix },
    pointToPoint: false,
  };
}

/**
 * Point-to-point addressing (/32 or /128 on both sides), see {@link planAddressing}.
 * @throws {UsageError} When combined with `--subnet`, one side is missing or
 *   not a single address of the same family, or both are the same address.
 * @throws {PreconditionError} When an address is in use, or the namespace's
 *   lies in a subnet or route already on the host.
 */
function pointToPoint(
  p: VethBridgeParams,
  given: Given,
  onBridge: IpAddrInfo[],
  bridge: IpLink | undefined,
  facts: HostFacts,
): Addressing {
  if (given.subnet) throw new UsageError("--subnet cannot be combined with a /32 or /128 address", P2P_HINT);
  const netns = given.netns;
  if (!netns) {
    throw new UsageError(
      `--bridge-address ${quote(p.bridgeAddress!)} is a single address: give --address too`,
      P2P_HINT,
    );
  }
  const single = netns.subnet.family === 4 ? 32 : 128;
  const inet = netns.subnet.family === 4 ? "inet" : "inet6";
  const bridgeLocal = given.bridge?.local ??
    onBridge.find((a) => a.family === inet && a.prefixlen === single && a.scope === "global")?.local;
  if (!bridgeLocal) {
    throw new UsageError(`--address ${quote(p.address!)} is a single address: give --bridge-address too`, P2P_HINT);
  }
  if (
    netns.prefix !== single || (given.bridge && (given.bridge.subnet.family !== netns.subnet.family ||
      given.bridge.prefix !== single))
  ) {
    throw new UsageError(
      `--address ${p.address} and --bridge-address ${p.bridgeAddress} must both be /${single} for point-to-point addressing`,
      P2P_HINT,
    );
  }
  if (netns.local === bridgeLocal) {
    throw new UsageError(
      `--address and --bridge-address are both ${netns.local}: the namespace's gateway would be its own address`,
      "Give the bridge and the namespace different addresses.",
    );
  }
  const taken = takenAddresses(facts);
  if (taken.has(netns.local)) {
    throw new PreconditionError(
      `--address ${netns.local} is already in use${heldBy(facts, netns.local)}`,
      "Choose a free address.",
    );
  }
  const clash = usedCidrs(facts, bridge?.ifname).find((c) => overlaps(netns.subnet, c));
  if (clash) {
    throw new PreconditionError(
      `--address ${netns.local} lies in ${clash}, already in use on this host`,
      "Choose an address that no address or route of this host covers.",
    );
  }
  const addBridge = !onBridge.some((a) => a.local === bridgeLocal);
  if (addBridge && taken.has(bridgeLocal)) {
    throw new PreconditionError(
      `--bridge-address ${bridgeLocal} is already in use${heldBy(facts, bridgeLocal)}`,
      "Choose a free address.",
    );
  }
  return {
    subnet: netns.subnet,
    bridge: { local: bridgeLocal, prefix: single, add: addBridge },
    netns: { local: netns.local, prefix: single },
    pointToPoint: true,
  };
}

/** The smallest MTU IPv6 works on, in bytes (RFC 8200 §5). */
export const IPV6_MIN_MTU = 1280;

/**
 * The MTU of the veth pair. On a bridge nsrecipe did not create it is the
 * bridge's MTU, and a `--mtu` other than the bridge's is refused, since
 * nsrecipe never changes such a bridge: a lower one would lower the bridge
 * anyway, for every other port (a bridge whose MTU was not set by hand
 * follows its smallest port, `br_mtu_auto_adjust()` in net/bridge/br_if.c,
 * checked in a lab; jumbo frames on a 9000 bridge), and a higher one would
 * let the namespace send frames the bridge and its other ports drop without
 * an ICMP error (a 1450 bridge over a tunnel).
 *
 * IPv6 needs at least {@link IPV6_MIN_MTU} bytes (RFC 8200 §5): below it the
 * kernel refuses an IPv6 address (`Invalid argument`) and drops those a link
 * had, so an IPv6 subnet on a smaller veth or bridge is refused here.
 *
 * @param requested `--mtu` in bytes, or `undefined`.
 * @param bridge The existing bridge, or `undefined` when this run creates it.
 * @param family The namespace subnet's IP version.
 * @returns The MTU in bytes (`undefined`: the kernel's default, 1500, on a new
 *   bridge).
 * @throws {UsageError} When `--mtu` is not the existing bridge's MTU (below
 *   or above it), or the MTU is below {@link IPV6_MIN_MTU} for an IPv6 subnet.
 */
export function vethMtu(
  requested: number | undefined,
  bridge: IpLink | undefined,
  family: 4 | 6 = 4,
): { mtu?: number } {
  const mtu = requested ?? bridge?.mtu;
  if (family === 6 && mtu !== undefined && mtu < IPV6_MIN_MTU) {
    throw new UsageError(
      `IPv6 needs an MTU of at least ${IPV6_MIN_MTU} bytes (RFC 8200), and ${
        requested !== undefined ? `--mtu is ${requested}` : `bridge ${quote(bridge!.ifname)} has ${bridge!.mtu}`
      }: the kernel would refuse the namespace's IPv6 address`,
      "Give an IPv4 --subnet, or an MTU of 1280 or more.",
    );
  }
  if (!bridge) return { mtu: requested };
  if (requested === undefined) return { mtu: bridge.mtu };
  if (requested !== bridge.mtu) {
    const lower = requested < bridge.mtu;
    throw new UsageError(
      lower
        ? `--mtu ${requested} would lower bridge ${quote(bridge.ifname)} from ${bridge.mtu} to ${requested} bytes: ` +
          "a bridge whose MTU was not set by hand follows its smallest port, so its other ports would lose larger frames"
        : `--mtu ${requested} is above the MTU of bridge ${quote(bridge.ifname)}, ${bridge.mtu} bytes, ` +
          "which nsrecipe does not change on a bridge it did not create: the namespace would send frames " +
          `larger than ${bridge.mtu} bytes that the bridge and its other ports drop`,
      `Leave --mtu out to take the bridge's MTU (${bridge.mtu}), or ` +
        (lower ? "lower the bridge's MTU yourself first." : "give a --bridge that nsrecipe creates."),
    );
  }
  return { mtu: requested };
}

/** Whether an `nft -j list ruleset` entry (libnftables-json(5)) is the table `family name`. */
function isTable(entry: Record<string, unknown>, family: string, name: string): boolean {
  const t = entry.table as { family?: string; name?: string } | undefined;
  return t?.family === family && t?.name === name;
}

/**
 * The refusal of `--nat` on a bridge that carries a LAN ({@link carriesLan}:
 * the uplink is its port, as after full-migrate). The namespace is then on
 * the LAN itself, with a LAN address, so there is nothing to masquerade; and
 * the rule `--nat` makes (`ip saddr SUBNET oifname BRIDGE masquerade`, the
 * subnet being the LAN's) would also rewrite the traffic of every other
 * address of that subnet leaving through the bridge: with bridge netfilter
 * on (`net.bridge.bridge-nf-call-iptables = 1`, br_netfilter), bridged
 * packets pass the inet family's postrouting hook too, so a full-migrate
 * namespace's traffic would reach the LAN as the host's.
 * @param bridge The bridge, e.g. `br0`.
 * @param address The namespace's LAN address the plan picked, e.g. `198.51.100.2`.
 * @returns The error to throw (exit 3; `--force` does not waive it).
 */
function natOnLanBridge(bridge: string, address: string): PreconditionError {
  return new PreconditionError(
    `--nat does not apply on bridge ${quote(bridge)}: it carries the LAN, so the namespace is on the LAN itself ` +
      `(as ${address}) with nothing to masquerade, and masquerading the LAN's subnet out of ${quote(bridge)} would ` +
      "also rewrite the traffic of everything else on the LAN side of the host (with bridge netfilter on, bridged " +
      "packets pass the masquerading rule too)",
    `Leave out --nat: the namespace reaches the LAN and its gateway through ${quote(bridge)}. For a routed, ` +
      "masqueraded subnet of its own, give another bridge (--bridge br1).",
  );
}

/**
 * The steps of `--nat`: IPv4 forwarding on (unless already), and the
 * masquerading table.
 * @param p Parameters.
 * @param subnet The namespace subnet.
 * @param bridge Bridge name.
 * @param facts Host facts.
 * @returns Steps and the objects used but not owned.
 * @throws {UsageError} For an IPv6 subnet.
 * @throws {PreconditionError} When there is no uplink, or the table {@link natTable} names exists already.
 */
export function natSteps(
  p: VethBridgeParams,
  subnet: Subnet,
  bridge: string,
  facts: HostFacts,
): { steps: Step[]; uses: ObjectId[] } {
  if (subnet.family !== 4) throw new UsageError("--nat needs an IPv4 subnet (IPv6 is routed, not masqueraded)");
  const uplink = p.uplink ?? defaultRouteDevice(facts);
  if (!uplink || !facts.links.some((l) => l.ifname === uplink)) {
    throw new PreconditionError(
      uplink
        ? `The uplink ${quote(uplink)} for --nat does not exist`
        : "--nat needs an uplink, and the host has no default route",
      p.uplink === undefined
        ? "Name it with --uplink."
        : "Give --uplink a link of this host ('ip -br link' lists them).",
    );
  }
  const steps: Step[] = [];
  const uses: ObjectId[] = [];
  if (facts.ipForward === "1") uses.push(objectId("sysctl", IPV4_FORWARD));
  else steps.push({ kind: "sysctl-set", key: IPV4_FORWARD, value: "1" });
  const table = natTable(p.name);
  if (facts.nftables?.some((e) => isTable(e, "inet", table))) {
    throw new PreconditionError(
      `The nftables table 'inet ${table}' that --nat makes for ${quote(p.name)} already exists`,
      "nsrecipe adds to no table it did not make, and its undo deletes the table. " +
        `See what it holds with 'nft list table inet ${table}': if it is left over from an nsrecipe run whose ` +
        `journal is lost, delete it ('nft delete table inet ${table}'); if it is someone's, choose another --name.`,
    );
  }
  steps.push({ kind: "nat-add", table, subnet: subnetCidr(subnet), bridge, uplink });
  return { steps, uses };
}

/**
 * `veth-bridge`: netns → veth pair (both ends verified) → peer into the netns
 * as `eth0` → bridge (created with STP off, or an existing one used) →
 * bridge address → enslave the host end → links up → namespace address →
 * default route via the bridge address. Builds on `netns`.
 */
export const vethBridge: Recipe<typeof params> = {
  name: "veth-bridge",
  summary: "a netns wired to a host bridge through a veth pair",
  description: "Creates the network namespace NAME and a veth pair; moves one end into the namespace as eth0 with " +
    `an address and a default route, and enslaves the other to the host bridge (${DEFAULT_BRIDGE}, created with STP off unless ` +
    "it exists; an existing bridge is used, not owned). --nat also masquerades the namespace out of the uplink. " +
    "Undo removes exactly what the run made; a bridge another applied run still uses stays until that run's undo. " +
    "On an existing bridge the veth takes its MTU and a MAC that never becomes the bridge's; on a bridge that " +
    "carries a LAN the address is probed first (ARP). /31, /127 hold two hosts; /32, /128 are point-to-point.",
  params,
  needs: {
    checks: [...netns.needs.checks, "kernel-veth", "kernel-bridge", "forward", "bridge-name"],
    movesUplink: false,
    wires: true,
  },
  targets: (p) => ({ netns: p.name, bridge: p.bridge, uplink: p.uplink, force: p.force, routes: p.nat === true }),
  plan(p, facts): Plan {
    assertNetnsFree(p.name, facts);
    const bridgeName = p.bridge ?? DEFAULT_BRIDGE;
    const existing = facts.links.find((l) => l.ifname === bridgeName);
    const portless = existing !== undefined && existing.linkinfo?.info_kind === "bridge" &&
      portlessChange(existing, facts.links);
    if (p.force && !p.nat && !portless) {
      throw new UsageError(
        "--force only applies with --nat (a forward drop of the namespace's routed traffic) or on an existing " +
          "bridge with no port (undo leaves it without carrier)",
      );
    }
    if (existing && existing.linkinfo?.info_kind !== "bridge") {
      throw new PreconditionError(
        `${quote(bridgeName)} exists and is not a bridge (${
          existing.linkinfo?.info_kind ?? existing.link_type ?? "unknown"
        })`,
        "Choose another --bridge.",
      );
    }
    const veth = vethNames(p.name, p.veth, facts, [
      { name: bridgeName, role: p.bridge ? "--bridge" : `the default bridge` },
    ]);
    const addressing = planAddressing(p, existing, facts);
    const mtu = vethMtu(p.mtu, existing, addressing.subnet.family);
    const notes: string[] = [];
    if (mtu.mtu !== undefined && mtu.mtu < IPV6_MIN_MTU) {
      // IPv4 works below 1280 bytes, IPv6 does not: the kernel keeps no IPv6 state on such a link (checked in a lab:
      // no address, not even the link-local one, on either end, nor on the bridge the run creates, which takes the
      // MTU of its smallest port).
      notes.push(
        `The veth pair's MTU, ${mtu.mtu} bytes, is below ${IPV6_MIN_MTU}, IPv6's minimum (RFC 8200): the kernel runs ` +
          `no IPv6 on it${
            existing ? "" : ` nor on bridge ${quote(bridgeName)}, which takes the MTU of its smallest port`
          }, so ${quote(p.name)} has no IPv6 link-local address.`,
      );
    }
    const mac = vethMac(`${p.name}/${veth.host}/${bridgeName}`, existing, facts.links);
    // The host's side first (the netns, the veth, the bridge, the port), then the namespace's (`lo`, `eth0`, its
    // address and route): each side's steps are plain `ip` commands in one namespace, so the engine runs each side as
    // one `ip [-n NAME] -batch -` and checks it with one look (src/engine/apply_batch.ts).
    const [netnsAdd, loUp, ...vethSteps] = netnsVethSteps(p.name, veth, mtu.mtu, mac);
    const steps: Step[] = [netnsAdd, ...vethSteps];
    const uses: ObjectId[] = [];
    if (!existing) {
      steps.push(
        { kind: "bridge-add", dev: bridgeName, mac: bridgeMac(`${bridgeName}/${p.name}`, facts.links) },
        { kind: "link-set-up", dev: bridgeName },
      );
      notes.push(...newBridgeRuleNotes(facts, bridgeName));
    } else {
      if (portless) {
        // The kernel's bridge: when its last port leaves, it turns the bridge's carrier off (br_port_state_selection:
        // no port forwarding) and, unless its MAC was set by hand, sets the MAC to zeros (br_stp_recalculate_bridge_id:
        // no port to take it from). A bridge that never had a port keeps the carrier it was made with.
        const what = `Bridge ${quote(bridgeName)} has no port: when this run's veth, its only port, leaves at undo, ` +
          "the kernel turns the bridge's carrier off (NO-CARRIER, state DOWN, its routes 'linkdown') and, unless " +
          "its MAC was set by hand, sets its MAC to 00:00:00:00:00:00";
        if (!p.force) {
          throw new PreconditionError(
            `${what}: undo could not put it back as it is now; nothing was changed`,
            "Put a port of your own on it first, give another --bridge (nsrecipe makes it, and removes it at undo), " +
              "or accept it with --force.",
          );
        }
        notes.push(
          `${what} (accepted with --force). To keep its MAC: ip link set dev ${bridgeName} address ${existing.address}`,
        );
      }
      uses.push(objectId("link", bridgeName));
      if (existing.linkinfo?.info_data?.stp_state) {
        notes.push(
          `Bridge ${
            quote(bridgeName)
          } has STP on: a new port waits up to 2 x forward_delay before forwarding; nsrecipe leaves its STP setting alone.`,
        );
      }
      if (!existing.flags.includes("UP")) steps.push({ kind: "link-set-up", dev: bridgeName });
    }
    const lan = existing !== undefined && carriesLan(existing, facts);
    const probes: AddressProbe[] = [];
    if (lan && addressing.subnet.family === 4 && !existing.flags.includes("UP")) {
      notes.push(
        `Bridge ${quote(bridgeName)} carries a LAN but is down: its addresses cannot be probed there before use.`,
      );
    } else if (lan && addressing.subnet.family === 4) {
      if (addressing.bridge.add) {
        probes.push({
          dev: bridgeName,
          address: addressing.bridge.local,
          ...(p.bridgeAddress ? { option: "--bridge-address" } : {}),
        });
      }
      probes.push({ dev: bridgeName, address: addressing.netns.local, ...(p.address ? { option: "--address" } : {}) });
      notes.push(
        `Bridge ${quote(bridgeName)} carries a LAN: ${
          probes.map((x) => x.address).join(" and ")
        } will be probed there first (ARP, RFC 5227).`,
      );
    } else if (lan) {
      notes.push(`Bridge ${quote(bridgeName)} carries a LAN: IPv6 duplicate address detection stays on (RFC 4862).`);
    }
    if (addressing.bridge.add) {
      steps.push({
        kind: "addr-add",
        dev: bridgeName,
        addr: addrSpec(addressing.bridge.local, addressing.bridge.prefix, lan),
        ...(existing ? {} : { goesWithLink: true as const }),
      });
    }
    const [enslave, hostEndUp, ...inside] = attachSteps(
      p.name,
      veth.host,
      bridgeName,
      addrSpec(addressing.netns.local, addressing.netns.prefix, lan),
      addressing.bridge.local,
      addressing.pointToPoint,
    );
    steps.push(enslave, hostEndUp, loUp, ...inside);
    if (addressing.pointToPoint) {
      // The bridge's /32 (/128) gives the host no route to the namespace: a host route on the bridge does.
      steps.push({
        kind: "route-add",
        route: { family: addressing.subnet.family, dst: addressing.netns.local, dev: bridgeName },
        ...(existing ? {} : { goesWithLink: true as const }),
      });
    }
    if (p.nat && lan) throw natOnLanBridge(bridgeName, addressing.netns.local);
    if (p.nat) {
      const nat = natSteps(p, addressing.subnet, bridgeName, facts);
      steps.push(...nat.steps);
      uses.push(...nat.uses);
    }
    return {
      label: p.name,
      steps,
      uses,
      handover: [objectId("link", bridgeName), objectId("sysctl", IPV4_FORWARD)],
      enter: netnsEnter(p.name),
      notes,
      ...(probes.length > 0 ? { probes } : {}),
    };
  },
};
