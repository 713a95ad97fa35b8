/**
 * Reads kernel network state through `ip -json` (iproute2, see ip(8)): links,
 * addresses, routes and named network namespaces, in the host's network
 * namespace or in a named one (`ip -n NAME`). Read-only.
 *
 * @module
 */
import type { Runner } from "../exec/mod.ts";

/** One link as `ip -json -details link show` reports it (fields we use). */
export interface IpLink {
  ifindex: number;
  ifname: string;
  flags: string[];
  mtu: number;
  operstate: string;
  master?: string;
  address?: string;
  link_type?: string;
  /** For a veth whose peer lives in another network namespace: that namespace's id here. */
  link_netnsid?: number;
  linkinfo?: { info_kind?: string; info_slave_kind?: string; info_data?: Record<string, unknown> };
}

/** One address as `ip -json addr show` reports it inside `addr_info`. */
export interface IpAddrInfo {
  family: "inet" | "inet6";
  local: string;
  prefixlen: number;
  broadcast?: string;
  scope: string;
  label?: string;
  secondary?: boolean;
  dynamic?: boolean;
  noprefixroute?: boolean;
  nodad?: boolean;
  tentative?: boolean;
  dadfailed?: boolean;
  valid_life_time?: number;
  preferred_life_time?: number;
  metric?: number;
}

/** One link with its addresses, as `ip -json addr show`. */
export interface IpAddrLink {
  ifname: string;
  addr_info: IpAddrInfo[];
}

/** One route as `ip -json route show table all` reports it. */
export interface IpRoute {
  type?: string;
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  scope?: string;
  prefsrc?: string;
  metric?: number;
  table?: string;
  flags: string[];
  pref?: string;
}

/** One named network namespace as `ip -json netns list`. */
export interface IpNetns {
  name: string;
  id?: number;
}

function ipArgv(netns: string | undefined, rest: string[]): string[] {
  return netns === undefined ? ["ip", "-json", ...rest] : ["ip", "-n", netns, "-json", ...rest];
}

function parse<T>(stdout: string): T[] {
  const text = stdout.trim();
  return text === "" ? [] : JSON.parse(text) as T[];
}

/**
 * Read access to one host's network state. Every method spawns `ip -json`
 * through the given {@link Runner}.
 */
export class IpReader {
  /** @param run The process seam. */
  constructor(private readonly run: Runner) {}

  /**
   * All links of a network namespace, with details (`ip -json -details link show`).
   * @param netns A named netns, or `undefined` for the caller's own.
   * @returns The links in ifindex order.
   * @throws {CommandError} When `ip` fails (e.g. the netns does not exist).
   */
  async links(netns?: string): Promise<IpLink[]> {
    return parse<IpLink>((await this.run(ipArgv(netns, ["-details", "link", "show"]))).stdout);
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
    return r.code === 0 ? parse<IpLink>(r.stdout)[0] : undefined;
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
    return r.code === 0 ? parse<IpAddrLink>(r.stdout) : [];
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
    return parse<IpRoute>((await this.run(ipArgv(netns, args))).stdout);
  }

  /**
   * Named network namespaces (`ip -json netns list`, the entries of
   * `/run/netns`, whether or not they are live namespaces).
   * @returns Names, newest first as ip lists them.
   */
  async netnsList(): Promise<IpNetns[]> {
    return parse<IpNetns>((await this.run(["ip", "-json", "netns", "list"])).stdout);
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
