/**
 * The lab's names and defaults, with no dependency beyond types, so the
 * command line can offer them without loading the lab's builder.
 *
 * @module
 */
import type { LinkSysctl } from "../host/mod.ts";
import type { AddrSpec, NeighSpec, RouteSpec, RuleSpec } from "../steps/mod.ts";

/** The hidden subcommand that runs as PID 1 inside a fresh lab. */
export const LAB_INIT_COMMAND = "__lab-init";

/** Options of a lab. */
export interface LabSpec {
  /** Name of the simulated uplink. */
  uplink: string;
  /** Its MAC address (fixed, so tests can assert the bridge takes it). */
  mac: string;
  /** Its IPv4 address, CIDR, e.g. `198.51.100.10/24`. */
  address: string;
  /** The LAN gateway, e.g. `198.51.100.1`. */
  gateway: string;
  /** Another host on the LAN, e.g. `198.51.100.20`. */
  lanHost: string;
  /** IPv6 address of the uplink, CIDR (`2001:db8:1::10/64`); `""` for an IPv4-only lab. */
  address6: string;
  /** IPv6 gateway; `""` for none. */
  gateway6: string;
  /** IPv6 address of the other LAN host; `""` for none. */
  lanHost6: string;
  /** Metric of the default routes. */
  metric: number;
  /** MTU of the uplink in bytes; kernel default (1500) when absent. */
  mtu?: number;
  /** Link group of the uplink (ip-link(8) `group`), e.g. `7`; the kernel's `default` when absent. */
  group?: string;
  /** More addresses on the uplink, after the first ones (e.g. a secondary), as `ip addr add` takes them. */
  extraAddrs?: AddrSpec[];
  /** More routes through the uplink (e.g. a static route), as `ip route add` takes them. */
  extraRoutes?: RouteSpec[];
  /**
   * The uplink's addresses exactly (flags, metric, label, lifetimes), in
   * order; when given they replace `address`, `address6` and `extraAddrs`
   * on the uplink (which still name the LAN's subnets).
   */
  uplinkAddrs?: AddrSpec[];
  /**
   * Every route through the uplink exactly (proto, scope, src, metric,
   * table), in dependency order; when given they replace the default routes
   * and `extraRoutes`.
   */
  uplinkRoutes?: RouteSpec[];
  /** Policy rules to add (e.g. `iif eth0 lookup 100`), as `ip rule add` takes them. */
  rules?: RuleSpec[];
  /** Permanent and proxy neighbour entries of the uplink. */
  neighbours?: NeighSpec[];
  /**
   * Per-interface settings written before the uplink comes up: the
   * uplink's own (`dev` its name) and `default` ones (`dev` `default`).
   */
  sysctls?: LinkSysctl[];
}

/**
 * The source name of every filesystem the lab mounts (`/run`, `/sys`), as
 * `/proc/self/mountinfo` shows it: how nsrecipe tells, from inside, that it
 * runs in a lab and which paths are the lab's own.
 */
export const LAB_MOUNT_SOURCE = { run: "nsrecipe-lab-run", sys: "nsrecipe-lab-sys" } as const;

/** Netns names the lab uses for the LAN; they appear in the lab's `ip netns list`. */
export const LAB_NETNS = { lan: "lab-lan", lanHost: "lab-lanhost" } as const;

/** Default lab: documentation addresses (RFC 5737, RFC 3849). */
export const DEFAULT_LAB: LabSpec = {
  uplink: "eth0",
  mac: "02:00:00:00:10:10",
  address: "198.51.100.10/24",
  gateway: "198.51.100.1",
  lanHost: "198.51.100.20",
  address6: "2001:db8:1::10/64",
  gateway6: "2001:db8:1::1",
  lanHost6: "2001:db8:1::20",
  metric: 100,
};
