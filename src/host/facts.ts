/**
 * The facts a recipe plans from, gathered once before planning so that
 * `plan()` stays pure.
 *
 * @module
 */
import type { Runner } from "../exec/mod.ts";
import { type IpAddrLink, type IpLink, IpReader, type IpRoute } from "./ip_json.ts";
import { isWireless, netnsEntryState } from "./sysfs.ts";

/** A named network namespace and whether its `/run/netns` entry is a live namespace. */
export interface NetnsFact {
  name: string;
  state: "live" | "stale";
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
  /** Names of wireless links (sysfs `wireless` or `phy80211` present). */
  wireless: string[];
}

/** Facts of an empty host (only `lo`), for unit tests and examples. */
export const EMPTY_FACTS: HostFacts = {
  netns: [],
  links: [{ ifindex: 1, ifname: "lo", flags: ["LOOPBACK", "UP"], mtu: 65536, operstate: "UNKNOWN" }],
  addrs: [],
  routes4: [],
  routes6: [],
  wireless: [],
};

/**
 * Gathers {@link HostFacts} from the host's network namespace.
 *
 * @param run The process seam (spawns `ip -json`).
 * @returns The facts.
 * @throws {CommandError} When `ip` fails.
 */
export async function gatherFacts(run: Runner): Promise<HostFacts> {
  const ip = new IpReader(run);
  const [netns, links, addrs, routes4, routes6] = await Promise.all([
    ip.netnsList(),
    ip.links(),
    ip.addrs(),
    ip.routes(4),
    ip.routes(6),
  ]);
  return {
    netns: netns.map((n) => ({
      name: n.name,
      state: netnsEntryState(n.name) === "live" ? "live" : "stale",
    })),
    links,
    addrs,
    routes4,
    routes6,
    wireless: (await Promise.all(links.map(async (l) => (await isWireless(run, l.ifname)) ? [l.ifname] : []))).flat(),
  };
}
