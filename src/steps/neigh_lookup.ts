import type { IpNeigh, IpReader } from "../host/mod.ts";
import type { NeighSpec } from "./specs.ts";

/**
 * Finds a configured (permanent or proxy) neighbour entry on a link.
 * @param ip The reader.
 * @param dev Link name.
 * @param n The entry (matched by address and whether it is a proxy entry).
 * @returns The kernel's entry, or `undefined` when absent (or the link is gone).
 */
export async function findNeigh(ip: IpReader, dev: string, n: NeighSpec): Promise<IpNeigh | undefined> {
  return (await ip.staticNeighbours(undefined, dev)).find((x) => x.dst === n.dst && ("proxy" in x) === !!n.proxy);
}
