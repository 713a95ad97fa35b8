/**
 * Wiring a named netns to a host bridge with a veth pair: the steps and names
 * veth-bridge and full-migrate share. The netns is created with `lo` up, the
 * veth pair made on the host, its peer moved in and renamed `eth0` in one
 * request, the host end enslaved to the bridge, links brought up before the
 * address and the address before the default route (K09). Pure.
 *
 * @module
 */
import { PreconditionError, UsageError } from "../src/errors.ts";
import type { HostFacts } from "../src/host/mod.ts";
import { quote } from "../src/quote.ts";
import type { AddrSpec, Step } from "../src/steps/mod.ts";
import { shortHash } from "./hash.ts";
import { netnsSteps } from "./netns.ts";

/** Name of the veth end inside the namespace. */
export const NETNS_IFNAME = "eth0";

/** A link name a plan gives on the host, and where it comes from (for messages), e.g. `--bridge`. */
export interface PlannedLink {
  /** The link name, e.g. `veth-x`. */
  name: string;
  /** Where it comes from, e.g. `--bridge`, `the veth's host end (derived from --name x)`. */
  role: string;
}

/**
 * Refuses a plan that gives one name to two links on the host: `ip link add`
 * of the second would fail with "File exists" half-way through the run
 * (after the first was made), so it is a usage error before any step.
 * @param links Every link name the plan makes or relies on, with its role.
 * @throws {UsageError} e.g. "--bridge and the veth's host end (derived from --name x) are both 'veth-x'".
 */
export function assertDistinctLinks(links: readonly PlannedLink[]): void {
  for (const [i, a] of links.entries()) {
    const b = links.slice(i + 1).find((l) => l.name === a.name);
    if (b) {
      throw new UsageError(
        `${a.role} and ${b.role} are both ${quote(a.name)}`,
        "Give each link its own name (--bridge, --veth, or another --name).",
      );
    }
  }
}

/**
 * The host-side veth name and the peer's temporary name, both at most 15
 * bytes (netdevice(7) IFNAMSIZ), distinct from every other link the plan
 * names, and free on the host.
 *
 * @param netns The namespace name.
 * @param requested `--veth`, or `undefined` to derive `veth-NAME`, or for a long
 *   name `v-` + its first 8 bytes + `-` + a 4-hex-digit hash.
 * @param facts Host facts.
 * @param others The other links the plan names on the host (the bridge, the uplink).
 * @returns `{ host, peer }`.
 * @throws {UsageError} When two links of the plan have one name (see {@link assertDistinctLinks}).
 * @throws {PreconditionError} When a name is taken by an existing link.
 */
export function vethNames(
  netns: string,
  requested: string | undefined,
  facts: HostFacts,
  others: readonly PlannedLink[] = [],
): { host: string; peer: string } {
  const host = requested ??
    (`veth-${netns}`.length <= 15 ? `veth-${netns}` : `v-${netns.slice(0, 8)}-${shortHash(netns)}`);
  const peer = `p-${shortHash(`${host}/peer`, 8)}`;
  assertDistinctLinks([
    { name: host, role: requested ? "--veth" : `the veth's host end (derived from --name ${netns})` },
    { name: peer, role: "the veth peer's temporary name" },
    ...others,
  ]);
  for (const n of [host, peer]) {
    if (facts.links.some((l) => l.ifname === n)) {
      throw new PreconditionError(
        `A link named ${quote(n)} already exists on this host`,
        requested ? "Choose another --veth." : "Choose another --name, or remove the link.",
      );
    }
  }
  return { host, peer };
}

/**
 * An address spec for `ip addr add`: IPv6 with `nodad` (usable at once) unless
 * `dad` asks for duplicate address detection (RFC 4862), which an address
 * on a LAN needs; the `addr-add` step then waits for it and fails on
 * `dadfailed`.
 * @param local The address.
 * @param prefix Prefix length.
 * @param dad Keep IPv6 duplicate address detection on.
 * @returns The spec.
 */
export function addrSpec(local: string, prefix: number, dad = false): AddrSpec {
  const v6 = local.includes(":");
  return { family: v6 ? "inet6" : "inet", local, prefixlen: prefix, ...(v6 && !dad ? { nodad: true } : {}) };
}

/**
 * The steps that create the netns and its veth: netns, `lo` up, veth pair,
 * the peer moved in as `eth0`.
 * @param netns Namespace name.
 * @param veth Host-side and peer names.
 * @param mtu MTU in bytes, or `undefined`.
 * @param mac MAC of the host-side end (see `mac.ts`), or `undefined` for the kernel's random one.
 * @returns The steps.
 */
export function netnsVethSteps(
  netns: string,
  veth: { host: string; peer: string },
  mtu?: number,
  mac?: string,
): Step[] {
  return [
    ...netnsSteps(netns),
    { kind: "veth-add", dev: veth.host, peer: veth.peer, ...(mac ? { mac } : {}), ...(mtu ? { mtu } : {}) },
    { kind: "link-set-netns", dev: veth.peer, netns, newName: NETNS_IFNAME },
  ];
}

/**
 * The steps that plug the host end into the bridge and configure the
 * namespace side, in the order K09 requires (links up → address → route):
 * enslave, host end up, `eth0` up (waiting for carrier), address, default route.
 * @param netns Namespace name.
 * @param vethHost Host-side veth name.
 * @param bridge Bridge name.
 * @param address Namespace address.
 * @param gateway Default gateway of the namespace.
 * @param onlink The gateway is outside the namespace's subnet (a /32 or /128
 *   address): the default route is added `onlink`, which tells the kernel the
 *   gateway is directly reachable on the link (ip-route(8)).
 * @returns The steps.
 */
export function attachSteps(
  netns: string,
  vethHost: string,
  bridge: string,
  address: AddrSpec,
  gateway: string,
  onlink = false,
): Step[] {
  return [
    { kind: "link-set-master", dev: vethHost, master: bridge },
    { kind: "link-set-up", dev: vethHost },
    { kind: "link-set-up", dev: NETNS_IFNAME, netns, waitCarrier: true },
    { kind: "addr-add", dev: NETNS_IFNAME, netns, addr: address },
    {
      kind: "route-add",
      netns,
      route: {
        family: address.family === "inet6" ? 6 : 4,
        dst: "default",
        via: gateway,
        dev: NETNS_IFNAME,
        ...(onlink ? { onlink: true } : {}),
      },
    },
  ];
}
