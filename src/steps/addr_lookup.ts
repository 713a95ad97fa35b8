import type { IpAddrInfo, IpReader } from "../host/mod.ts";
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
