/**
 * The uplink's per-interface settings that full-migrate carries to the
 * bridge. Pure.
 *
 * How the host answers on the LAN is set per interface
 * (Documentation/networking/ip-sysctl.rst): ARP (`arp_ignore`,
 * `arp_announce`, `arp_filter`, `proxy_arp`, …), reverse-path filtering
 * (`rp_filter`), redirects, IPv6 router advertisements (`accept_ra`,
 * `autoconf`), forwarding, duplicate address detection, neighbour discovery
 * timers (`net.ipv{4,6}.neigh.DEV.*`). Once the uplink is a bridge port its
 * settings no longer apply to the host's traffic; the bridge's do, and a new
 * bridge starts from `default`. So every setting of the uplink that differs
 * from `default` is written to the bridge before it comes up and gets its
 * addresses (those the kernel resets on link events once the bridge is up
 * with every port, {@link SET_AFTER_PORTS}), except those {@link notCarriedWhy} names; the uplink's
 * `stable_secret`, when it generates stable privacy addresses with one (RFC 7217), is written first, so the
 * bridge generates them from the same secret (it is never printed); the uplink keeps its
 * own values, and undo removes the bridge with its settings.
 *
 * @module
 */
import { type HostFacts, type IpLink, type LinkSysctl, linkSysctlKey, STABLE_SECRET } from "../src/host/mod.ts";

/** Settings not carried, with the reason, as `TREE:NAME`. */
export const NOT_CARRIED: Readonly<Record<string, string>> = {
  "net.ipv4.conf:mc_forwarding":
    "read-only: set while a multicast routing daemon uses the link; point it at the bridge",
  "net.ipv6.conf:mc_forwarding":
    "read-only: set while a multicast routing daemon uses the link; point it at the bridge",
};

/**
 * Settings the kernel sets again on link events, as `TREE:NAME`: written to
 * the bridge only once it is up and its last port has joined. The IPv6 MTU
 * (`net.ipv6.conf.DEV.mtu`) is reset to the link's MTU when the link comes up
 * and whenever its MTU changes (net/ipv6/addrconf.c `addrconf_notify`,
 * NETDEV_UP and NETDEV_CHANGEMTU; a bridge's MTU follows its ports,
 * net/bridge/br_if.c `br_mtu_auto_adjust`), so one written before would be lost.
 */
export const SET_AFTER_PORTS: ReadonlySet<string> = new Set(["net.ipv6.conf:mtu"]);

/**
 * Whether a setting is written only once the bridge is up with every port (see {@link SET_AFTER_PORTS}).
 * @param x The setting.
 * @returns `true` for such a setting.
 */
export function setAfterPorts(x: Pick<LinkSysctl, "tree" | "name">): boolean {
  return SET_AFTER_PORTS.has(`${x.tree}:${x.name}`);
}

/**
 * Why a setting of the uplink is not carried, or `undefined` when it is.
 * @param key `TREE:NAME`, e.g. `net.ipv6.conf:addr_gen_mode`.
 * @param value The uplink's value.
 * @returns The reason.
 */
export function notCarriedWhy(key: string, _value: string): string | undefined {
  return NOT_CARRIED[key];
}

/** What {@link uplinkSettings} found. */
export interface UplinkSettings {
  /** Settings to write on the bridge, with the uplink's values. */
  carried: LinkSysctl[];
  /** Settings that differ from `default` and are not carried, each with its reason. */
  notCarried: { setting: string; why: string }[];
}

/**
 * The uplink's per-interface settings that differ from what a new bridge
 * gets (`default`; for neighbour settings in a network namespace without
 * one, the loopback's), split into those carried and those not. IPv6 `mtu`
 * counts as different only when it differs from the link's MTU (the bridge
 * takes the uplink's MTU, and its IPv6 MTU follows).
 * @param facts Host facts (`linkSysctls`).
 * @param uplink The uplink.
 * @returns The settings, in sysctl's order.
 */
export function uplinkSettings(facts: HostFacts, uplink: IpLink): UplinkSettings {
  // Outside the initial network namespace the kernel lists no `net.ipv{4,6}.neigh.default`: the neighbour
  // defaults are global there, and the loopback's own values, copied from them, stand in.
  const defaults = new Map<string, string>();
  for (const dev of ["lo", "default"]) {
    for (const x of facts.linkSysctls) if (x.dev === dev) defaults.set(`${x.tree}:${x.name}`, x.value);
  }
  const out: UplinkSettings = { carried: [], notCarried: [] };
  for (const x of facts.linkSysctls) {
    if (x.dev !== uplink.ifname) continue;
    const key = `${x.tree}:${x.name}`;
    const base = x.tree === "net.ipv6.conf" && x.name === "mtu" ? String(uplink.mtu) : defaults.get(key);
    const why = notCarriedWhy(key, x.value);
    // A setting `default` lacks differs only if not carried; the uplink's own stable_secret (read only when its
    // addr_gen_mode uses it, `default`'s never: see readLinkSysctls) is always carried.
    if (base === x.value || (base === undefined && !why && x.name !== STABLE_SECRET)) continue;
    const shown = x.name === STABLE_SECRET ? "(set)" : x.value; // never print a secret
    if (why) out.notCarried.push({ setting: `${linkSysctlKey(x.tree, x.dev, x.name)} = ${shown}`, why });
    else out.carried.push(x);
  }
  // The secret first: the kernel refuses addr_gen_mode 2 (stable_privacy) on a link without one, and sets it
  // when the secret is written (net/ipv6/addrconf.c).
  out.carried.sort((a, b) => Number(b.name === STABLE_SECRET) - Number(a.name === STABLE_SECRET));
  return out;
}
