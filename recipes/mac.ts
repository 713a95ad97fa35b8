/**
 * MAC addresses for the links nsrecipe adds to a bridge, chosen so that no run
 * changes the MAC of a bridge it did not create (issue 9 case 8). Pure.
 *
 * The kernel behaviour relied on (`br_stp_recalculate_bridge_id()` in
 * net/bridge/br_stp_if.c, checked in a lab): a bridge whose MAC was never set
 * by hand (`/sys/class/net/BR/addr_assign_type` is not 3) takes the
 * numerically lowest MAC of its ports each time a port joins or leaves, and
 * 00:00:00:00:00:00 when its last port leaves. A bridge's MAC is the host's
 * MAC on the LAN when the bridge carries the uplink: a change breaks ARP
 * caches, DHCP leases and switch port security.
 *
 * The policy, as libvirt (`fe:54:00:…` taps) and LXC (`fe:…` veths) do:
 * host-side veth ends get `fe:` and five bytes of a hash. `fe` is locally
 * administered (bit 1 of the first octet) and unicast (bit 0 clear); every
 * globally administered MAC (`52:54:00:…` for QEMU, a NIC's burnt-in address)
 * and every `02:…` MAC is lower, and `ff:…` is multicast, so such an end is
 * never the lowest port unless every other port is an `fe:` MAC above it, or
 * there is none. In that case the end takes the bridge's own current MAC, so
 * the lowest stays what it was, unless the bridge's MAC is not its lowest
 * port's: then it was set (`addr_assign_type` 3) and follows no port, and the
 * end keeps its own. A bridge nsrecipe creates gets a fixed MAC (as the CNI
 * bridge plugin does, `ip link add … address MAC`), so it never follows its
 * ports, and the veths later runs attach to it never repeat its MAC.
 *
 * The bytes come from a hash of the namespace and link names and of the MACs
 * already on the host: stable between `plan` and `run` (plans are pure), and
 * different from host to host.
 *
 * @module
 */
import type { IpLink } from "../src/host/mod.ts";
import { shortHash } from "./hash.ts";

/** First octet of host-side veth MACs: locally administered, unicast, above every other unicast first octet. */
export const VETH_MAC_PREFIX = "fe";

/** First octet of the MAC of a bridge nsrecipe creates: locally administered, unicast. */
export const BRIDGE_MAC_PREFIX = "02";

const ZERO_MAC = "00:00:00:00:00:00";

/**
 * A locally administered unicast MAC: the given first octet and five bytes
 * of a hash of `seed`, not equal to any MAC in `taken`.
 * @param first First octet in hex, e.g. `fe`.
 * @param seed Text the other five bytes are derived from.
 * @param taken MACs already in use on the host (lower case).
 * @returns e.g. `fe:3a:01:9c:00:42`.
 */
export function derivedMac(first: string, seed: string, taken: ReadonlySet<string>): string {
  for (let i = 0;; i++) {
    const hex = shortHash(`${seed}#${i}`, 8) + shortHash(`${seed}#${i}/2`, 2);
    const mac = [first, ...hex.match(/../g)!].join(":");
    if (!taken.has(mac)) return mac;
  }
}

/**
 * The MAC for the host-side veth end joining a bridge (see the module doc).
 * @param seed Names of the run, e.g. `web/veth-web/br0`.
 * @param bridge The bridge if it exists (not created by this run).
 * @param links Every link of the host (their MACs are avoided; the bridge's ports are those with `master`).
 * @returns The MAC, lower case.
 */
export function vethMac(seed: string, bridge: IpLink | undefined, links: readonly IpLink[]): string {
  const taken = new Set(links.flatMap((l) => (l.address ? [l.address.toLowerCase()] : [])));
  const candidate = derivedMac(VETH_MAC_PREFIX, `${seed}|${[...taken].sort().join(",")}`, taken);
  if (!bridge) return candidate;
  const ports = links.filter((l) => l.master === bridge.ifname && l.address).map((l) => l.address!.toLowerCase());
  if (ports.some((mac) => mac < candidate)) return candidate;
  const own = bridge.address?.toLowerCase();
  // A bridge with ports whose MAC is not its lowest port's had its MAC set (by hand, or by nsrecipe's bridge-add):
  // it follows no port, so the end keeps a MAC of its own rather than repeating the bridge's.
  if (ports.length > 0 && own !== ports.sort()[0]) return candidate;
  // No lower port: the new end would be the lowest. With the bridge's own MAC it ties, and nothing changes.
  return own && own !== ZERO_MAC ? own : candidate;
}

/**
 * The fixed MAC of a bridge nsrecipe creates (see the module doc).
 * @param seed The bridge's name and the run's, e.g. `br0/web`.
 * @param links Every link of the host (their MACs are avoided).
 * @returns The MAC, lower case, first octet {@link BRIDGE_MAC_PREFIX}.
 */
export function bridgeMac(seed: string, links: readonly IpLink[]): string {
  const taken = new Set(links.flatMap((l) => (l.address ? [l.address.toLowerCase()] : [])));
  return derivedMac(BRIDGE_MAC_PREFIX, `${seed}|${[...taken].sort().join(",")}`, taken);
}

/**
 * Whether an existing bridge would be left changed by the undo of a run
 * whose veth is its only port: with no port now, the kernel turns its carrier
 * off as that veth leaves (a bridge that never had a port keeps the carrier
 * it was made with; one whose last port left has none) and, unless the admin
 * set its MAC by hand, sets the MAC to 00:00:00:00:00:00. Only a bridge
 * already in that state (up, `NO-CARRIER`, MAC all zeros) comes back as it
 * is; a bridge that is down shows no carrier either way, so it counts as
 * changed.
 * @param bridge The existing bridge (`ip -json -details link`).
 * @param links Every link of the host.
 * @returns `true` when the bridge has no port and is not in the state its last port's leaving leaves.
 */
export function portlessChange(bridge: IpLink, links: readonly IpLink[]): boolean {
  if (links.some((l) => l.master === bridge.ifname)) return false;
  const asLeft = bridge.flags.includes("UP") && bridge.flags.includes("NO-CARRIER") &&
    bridge.address === "00:00:00:00:00:00";
  return !asLeft;
}
