/**
 * Whether a link can become a working bridge port: the one place that knows,
 * used by full-migrate's planning (refuse before any change) and by
 * `doctor`'s uplink check.
 *
 * The kernel's rules (`br_add_if()` in net/bridge/br_if.c, tried in a lab):
 * a port must be Ethernet (`ARPHRD_ETHER`: a tun, ipip, gre or WireGuard link
 * is refused with `Invalid argument`), not a bridge (`Too many levels of
 * symbolic links`), not already enslaved (`Device or resource busy`, e.g. a
 * bond's slave), not a Wi-Fi station (`Operation not supported`), and not a
 * macvtap (`Device or resource busy`). A macvlan is accepted but only
 * receives frames addressed to its own MAC, and an ipvlan shares its
 * parent's MAC: a namespace behind either would never hear the LAN. A link
 * that carries a macvlan, macvtap, ipvlan or ipvtap (one whose `link` is it)
 * is refused too (`Device or resource busy`): a link has one rx_handler
 * (`netdev_rx_handler_register()` in net/core/dev.c), and the upper device
 * holds it, as the bridge port would.
 *
 * @module
 */
import type { IpLink } from "./ip_json.ts";
import { quote } from "../quote.ts";

/** Why a link cannot be a working bridge port, and what to do instead. */
export interface BridgePortProblem {
  /** The reason, one clause naming the link, e.g. `'eth0' is already a port of bond 'bond0'`. */
  problem: string;
  /** What to do instead, one sentence. */
  hint: string;
}

const VETH_BRIDGE = "Use 'nsrecipe run veth-bridge --nat --uplink DEV' instead: it routes instead of bridging.";

/** Upper device kinds that take their lower link's rx_handler (drivers/net/macvlan.c, ipvlan/ipvlan_main.c). */
const RX_HANDLER_KINDS: ReadonlySet<string> = new Set(["macvlan", "macvtap", "ipvlan", "ipvtap"]);

/**
 * The links of this namespace stacked on `link` that hold its rx_handler: a
 * macvlan, macvtap, ipvlan or ipvtap whose `link` (ip-link(8) `link DEV`) is it.
 * @param link The lower link.
 * @param links Every link of the namespace, from `ip -json -details link`.
 * @returns Those upper links, in kernel order; empty when none.
 */
export function rxHandlerUppers(link: IpLink, links: readonly IpLink[]): IpLink[] {
  return links.filter((l) =>
    l.link === link.ifname && l.link_netnsid === undefined && RX_HANDLER_KINDS.has(l.linkinfo?.info_kind ?? "")
  );
}

/**
 * Why a link cannot be a working bridge port (see the module doc).
 * @param link The link, from `ip -json -details link`.
 * @param wireless Names of wireless links (sysfs `DEVTYPE=wlan`).
 * @param links Every link of the namespace (`ip -json -details link`), to find the upper devices on `link`.
 * @returns The problem, or `undefined` when the link can be enslaved.
 * @example
 * ```ts
 * bridgePortProblem({ ifindex: 2, ifname: "eth0", flags: [], mtu: 1500, operstate: "UP", link_type: "ether" }, [], []);
 * // undefined
 * ```
 */
export function bridgePortProblem(
  link: IpLink,
  wireless: readonly string[],
  links: readonly IpLink[],
): BridgePortProblem | undefined {
  const name = quote(link.ifname);
  const kind = link.linkinfo?.info_kind;
  if (link.flags.includes("LOOPBACK")) {
    return { problem: `${name} is the loopback device`, hint: "Name the uplink with --uplink." };
  }
  if (wireless.includes(link.ifname)) {
    return {
      problem: `${name} is wireless: a Wi-Fi station cannot be enslaved to a bridge (it may send only its own MAC)`,
      hint: VETH_BRIDGE,
    };
  }
  if (kind === "bridge") {
    return {
      problem: `${name} is itself a bridge; a bridge cannot be enslaved to another bridge`,
      hint: `Attach the namespace to ${name} directly: 'nsrecipe run veth-bridge --bridge ${link.ifname}'.`,
    };
  }
  if (link.master) {
    const of = link.linkinfo?.info_slave_kind;
    return of === "bond" || of === "team"
      ? {
        problem: `${name} is already a port of ${of} ${quote(link.master)}`,
        hint: `Migrate the ${of} itself: --uplink ${link.master}.`,
      }
      : {
        problem: `${name} is already enslaved to ${quote(link.master)}`,
        hint: `Attach the namespace to ${quote(link.master)} with 'nsrecipe run veth-bridge --bridge ${link.master}'.`,
      };
  }
  if (kind === "macvlan" || kind === "macvtap") {
    return {
      problem: `${name} is a ${kind}: it receives only frames addressed to its own MAC, so a namespace behind a ` +
        "bridge on it would not hear the LAN",
      hint: `Migrate its parent link instead, or ${VETH_BRIDGE[0].toLowerCase()}${VETH_BRIDGE.slice(1)}`,
    };
  }
  if (kind === "ipvlan" || kind === "ipvtap") {
    return {
      problem: `${name} is an ${kind}: it shares its parent's MAC and cannot carry other MACs through a bridge`,
      hint: `Migrate its parent link instead, or ${VETH_BRIDGE[0].toLowerCase()}${VETH_BRIDGE.slice(1)}`,
    };
  }
  const uppers = rxHandlerUppers(link, links);
  if (uppers.length > 0) {
    const named = uppers.map((u) => `${u.linkinfo?.info_kind} ${quote(u.ifname)}`).join(", ");
    const del = uppers.map((u) => `ip link del ${u.ifname}`).join("; ");
    return {
      problem: `${name} carries ${named}: it cannot become a bridge port while a macvlan, macvtap, ipvlan or ipvtap ` +
        "is stacked on it (the upper device holds its receive handler; the kernel answers 'Device or resource busy')",
      hint: `Remove ${uppers.length === 1 ? "it" : "them"} first ('${del}') and migrate, or ${
        VETH_BRIDGE[0].toLowerCase()
      }${VETH_BRIDGE.slice(1)}`,
    };
  }
  if (link.link_type !== undefined && link.link_type !== "ether") {
    return {
      problem: `${name} is not an Ethernet link (link type ${link.link_type}${
        kind ? `, ${kind}` : ""
      }); a bridge takes only Ethernet ports`,
      hint: VETH_BRIDGE,
    };
  }
  return undefined;
}
