import type { IpAddrInfo, IpReader } from "../host/ip_json.ts";
import type { AddrSpec } from "./specs.ts";

/**
 * Finds an address on a link.
 * @param ip The reader.
 * @param dev Link name.
 * @param a The address (matched by family, local and prefix length).
 * @param netns Named netns, or `undefined`.
 * @returns The kernel's entry, or `undefined` when absent (or the link is gone).
 */
export async function findAddr(
  ip: IpReader,
  dev: string,
  a: AddrSpec,
  netns?: string,
): Promise<IpAddrInfo | undefined> {
  const links = await ip.addrs(netns, dev);
  return links[0]?.addr_info.find((x) => x.family === a.family && x.local === a.local && x.prefixlen === a.prefixlen);
}

/** How long to wait for a new address to become usable (duplicate address detection), in ms. */
export const DAD_WAIT_MS = 3000;

/**
 * Waits (bounded) until an address on a link is usable: present, not
 * `tentative` (RFC 4862 duplicate address detection), not `dadfailed`, and,
 * for IPv6, with its `local` route in the `local` table. The kernel clears
 * `tentative` and inserts that route when detection completes, which happens
 * in a work queue after `ip addr add` returns, even with `nodad`
 * (net/ipv6/addrconf.c `addrconf_dad_begin`, `addrconf_dad_completed`);
 * until then packets to the address are not delivered to the host.
 * @param ip The reader.
 * @param dev Link name.
 * @param a The address.
 * @param netns Named netns, or `undefined`.
 * @param waitMs Upper bound in ms.
 * @returns `undefined` once usable, else what is wrong.
 */
export async function waitAddrUsable(
  ip: IpReader,
  dev: string,
  a: AddrSpec,
  netns?: string,
  waitMs = DAD_WAIT_MS,
): Promise<string | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const found = await findAddr(ip, dev, a, netns);
    if (!found) return `address ${a.local}/${a.prefixlen} is not on '${dev}'`;
    if (found.dadfailed) return `address ${a.local} failed duplicate address detection (another host has it)`;
    const routed = found.tentative || a.family === "inet" ||
      (await ip.routes(6, netns)).some((r) => r.table === "local" && r.dst === a.local && r.dev === dev);
    if (!found.tentative && routed) return undefined;
    if (Date.now() > deadline) {
      return found.tentative
        ? `address ${a.local} is still tentative after ${waitMs} ms`
        : `address ${a.local} has no local route after ${waitMs} ms`;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
